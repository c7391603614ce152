"""The two columns every typed table carries: the file and the 1-based row each row was read from."""

SOURCE_FILE = "_src_file"
SOURCE_ROW = "_src_row"
