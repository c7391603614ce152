"""A submitted package read into typed tables: files, cells, typing, validation, the org chart."""
