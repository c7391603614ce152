"""Hostile packages, part 2: CSV structure errors stop the package (exit 2) naming the file and the line where
the problem starts, rather than rows being merged or blamed elsewhere."""

from __future__ import annotations

from hostile import VOLUNTEER_ROWS, VOLUNTEERS, VOLUNTEERS_HEADER, accounts, error_line, package, run


def refused(folder, capsys) -> str:
    code, out, err = run(["validate", str(folder)], capsys)
    assert code == 2, out + err
    return error_line(err)


def many_rows(count: int) -> list[str]:
    return [VOLUNTEER_ROWS[0].replace("V1,", f"V{n},") for n in range(3, 3 + count)]


def test_an_unterminated_quote_swallowing_rows_is_an_error_at_its_line(tmp_path, capsys):
    rows = [VOLUNTEER_ROWS[0], VOLUNTEER_ROWS[1].replace("李四", '"李四'), *many_rows(90),
            VOLUNTEER_ROWS[0].replace("V1,张三", 'V999,"王五')]
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS_HEADER + "".join(rows))
    assert refused(folder, capsys) == ('志愿者名册.csv，文件第 3 行 line 3：这一行有一个英文双引号（"）没有在单元格结尾处闭合（一直延续到文件第 '
                                       '94 行）：请补上或删掉这个引号 / a quote (") opened in this row is '
                                       'not closed where its cell ends (it runs to line 94); close or remove '
                                       'the quote')


def test_an_unterminated_quote_closed_by_chance_before_a_comma_is_an_error(tmp_path, capsys):
    rows = [VOLUNTEER_ROWS[0], VOLUNTEER_ROWS[1].replace("李四", '"李四'), *many_rows(5),
            VOLUNTEER_ROWS[0].replace("V1,张三", 'V999,王五"')]
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS_HEADER + "".join(rows))
    assert refused(folder, capsys) == ('志愿者名册.csv，文件第 3 行 line 3：这一行有一个英文双引号（"）直到文件第 '
                                       '9 行才闭合，把 5 行数据吞进了一个单元格：请补上或删掉这个引号 / '
                                       'a quote (") opened in this row is not closed until line 9, swallowing '
                                       '5 lines that look like rows; close or remove the quote')


def test_a_quote_open_to_the_end_of_the_file_is_an_error(tmp_path, capsys):
    rows = [VOLUNTEER_ROWS[0].replace("张三", '"张三'), *many_rows(2)]
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS_HEADER + "".join(rows))
    assert refused(folder, capsys) == ('志愿者名册.csv，文件第 2 行 line 2：这一行有一个英文双引号（"）没有在单元格结尾处闭合（一直延续到文件第 '
                                       '4 行）：请补上或删掉这个引号 / a quote (") opened in this row is '
                                       'not closed where its cell ends (it runs to line 4); close or remove '
                                       'the quote')


def test_a_quoted_cell_with_line_breaks_is_still_one_cell(tmp_path, capsys):
    rows = [VOLUNTEER_ROWS[0].replace("张三", '"张\n三"'), VOLUNTEER_ROWS[1]]
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS_HEADER + "".join(rows))
    code, out, err = run(["validate", str(folder)], capsys)
    assert code == 0, err
    assert accounts(out)["volunteers"] == (2, 2, 0)


def test_a_semicolon_separated_file_is_named_as_such(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS.replace(",", ";"))
    assert refused(folder, capsys) == ('志愿者名册.csv，文件第 1 行 line 1：表头用分号（;）分隔，而不是逗号：'
                                       '请用 Excel 或 WPS 另存为“CSV UTF-8（逗号分隔）” / the header is '
                                       'separated by semicolons (;), not commas; save the file as CSV (comma-separated), '
                                       'UTF-8')


def test_a_tab_separated_file_is_named_as_such(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS.replace(",", "\t"))
    assert refused(folder, capsys) == ('志愿者名册.csv，文件第 1 行 line 1：表头用制表符（Tab）分隔，而不是逗号：'
                                       '请用 Excel 或 WPS 另存为“CSV UTF-8（逗号分隔）” / the header is '
                                       'separated by tabs, not commas; save the file as CSV (comma-separated), '
                                       'UTF-8')


def test_a_semicolon_row_among_comma_rows_is_named(tmp_path, capsys):
    rows = [VOLUNTEER_ROWS[0], VOLUNTEER_ROWS[1].replace(",", ";")]
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS_HEADER + "".join(rows))
    assert refused(folder, capsys) == ('志愿者名册.csv，第 3 行 row 3：这一行用分号（;）分隔，而表头用逗号：'
                                       '请用 Excel 或 WPS 另存为“CSV UTF-8（逗号分隔）” / this row is separated '
                                       'by semicolons (;), not commas like the header; save the file as '
                                       'CSV (comma-separated), UTF-8')


def test_gbk_rows_in_a_utf8_file_name_their_line(tmp_path, capsys):
    data = (VOLUNTEERS_HEADER + VOLUNTEER_ROWS[0]).encode("utf-8") + VOLUNTEER_ROWS[1].encode("gbk")
    folder = package(tmp_path / "p", volunteers=data)
    assert refused(folder, capsys) == ('志愿者名册.csv，文件第 3 行 line 3：这一行不是 UTF-8 编码，而前面的行是（可能粘贴了 '
                                       'GBK 等其他编码的行，或有损坏的字符）：请用 Excel 或 WPS 把整个文件另存为“CSV '
                                       'UTF-8（逗号分隔）” / this line is not UTF-8 like the lines before '
                                       'it (rows in another encoding, such as GBK, pasted into a UTF-8 file, '
                                       'or a damaged character); save the whole file as UTF-8 CSV')


def test_utf8_rows_in_a_gbk_file_name_their_line(tmp_path, capsys):
    data = (VOLUNTEERS_HEADER + VOLUNTEER_ROWS[0]).encode("gbk") + VOLUNTEER_ROWS[1].encode("utf-8")
    folder = package(tmp_path / "p", volunteers=data)
    assert refused(folder, capsys) == ('志愿者名册.csv，文件第 3 行 line 3：这一行是 UTF-8 编码，而文件其余部分是 '
                                       'GBK/GB18030（粘贴了其他编码的行）：请用 Excel 或 WPS 把整个文件另存为“CSV '
                                       'UTF-8（逗号分隔）” / this line is UTF-8 but the file is GBK/GB18030 '
                                       '(rows in another encoding pasted in); save the whole file as UTF-8 '
                                       'CSV')


def test_a_file_cut_mid_character_says_so_with_its_line(tmp_path, capsys):
    data = VOLUNTEERS.rstrip("\n").encode("utf-8")[:-2]  # 在岗 loses the last two bytes of 岗
    folder = package(tmp_path / "p", volunteers=data)
    assert refused(folder, capsys) == ('志愿者名册.csv，文件第 3 行 line 3：文件在一个字符的中间结束（utf-8-sig '
                                       '编码）：文件不完整，请重新导出或重新发送完整的文件 / the file ends '
                                       'in the middle of a character (utf-8-sig): it was cut short; send '
                                       'the whole file again')


def test_a_gbk_file_cut_mid_character_says_so(tmp_path, capsys):
    data = VOLUNTEERS.rstrip("\n").encode("gbk")[:-1]
    folder = package(tmp_path / "p", volunteers=data)
    assert refused(folder, capsys) == ('志愿者名册.csv，文件第 3 行 line 3：文件在一个字符的中间结束（gb18030 '
                                       '编码）：文件不完整，请重新导出或重新发送完整的文件 / the file ends '
                                       'in the middle of a character (gb18030): it was cut short; send the '
                                       'whole file again')


def test_a_whole_gbk_file_is_still_read(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS.encode("gbk"))
    code, out, err = run(["validate", str(folder)], capsys)
    assert code == 0, err
    assert accounts(out) == {"offices": (6, 6, 0), "volunteers": (2, 2, 0)}
