"""Import files played as an attacker would: a small XLSX of thousands of rows, cells far to the right or far below,
DTDs and entities, ZIP bombs, archives that are not workbooks, and CSV with a huge cell or endless blank lines. Each
is refused quickly, with what is wrong and where, and nothing in it is imported."""

from __future__ import annotations

import time

import pytest
from spreadsheet_files import PROFILE, csv_file, inline_row, sheet_xml, xlsx_file

import spreadsheets.reading
from spreadsheets.columns import ENTERPRISE_COLUMNS
from spreadsheets.reading import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, Problem
from spreadsheets.rows import read_rows

HEADER = inline_row(1, list(ENTERPRISE_COLUMNS))
TOO_MANY = (f"the file holds more than {MAX_ROWS:,} enterprises; at most {MAX_ROWS:,} rows are imported at once, so "
            "split the file")  # fmt: skip
DTD = ("not a readable Excel workbook: its part {part} declares a DTD (<!DOCTYPE ...>), which Excel never writes; "
       "save the sheet again with Excel")  # fmt: skip
ENTITIES = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
EXTERNAL = '<!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'


def stopped(result) -> list[Problem]:
    """The problems of a file refused as a whole (nothing in it imported)."""
    assert result.stopped and result.rows == []
    return result.problems


def test_a_small_xlsx_of_thousands_of_rows_padded_to_the_last_column_is_refused_in_a_moment(quick):
    # 5,000 rows of one cell each, the sheet declaring itself 16,384 columns wide: 30 KB, and without the limits
    # 82 million cells to read and a page listing 20,000 problems.
    rows = "".join(inline_row(number, ["x"]) for number in range(2, 5002))
    data = xlsx_file(sheet_xml(HEADER + rows, dimension="A1:XFD5001"))
    assert len(data) < 40_000
    started = time.perf_counter()
    result = read_rows(data, "visits.xlsx", quick)
    assert time.perf_counter() - started < 5
    assert stopped(result) == [Problem(MAX_ROWS + 2, "", TOO_MANY)]


def test_the_row_limit_counts_enterprises_and_names_the_row_past_it(quick):
    rows = [{**PROFILE, "enterprise_name": f"Works {number}"} for number in range(MAX_ROWS)]
    result = read_rows(csv_file(list(ENTERPRISE_COLUMNS), rows), "a.csv", quick)
    assert not result.stopped and len(result.rows) == MAX_ROWS
    blank_between = rows[:10] + [{}] * 50 + rows[10:] + [{**PROFILE, "enterprise_name": "One too many"}]
    result = read_rows(csv_file(list(ENTERPRISE_COLUMNS), blank_between), "a.csv", quick)
    assert stopped(result) == [Problem(MAX_ROWS + 52, "", TOO_MANY)]


def test_a_sheet_that_declares_itself_too_small_hides_no_row(quick):
    rows = "".join(inline_row(number, list(PROFILE.values())) for number in range(2, 6))
    result = read_rows(xlsx_file(sheet_xml(HEADER + rows, dimension="A1:B2")), "a.xlsx", quick)
    assert [row.row for row in result.rows] == [2, 3, 4, 5] and result.problems == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_value_beyond_the_last_column_a_file_may_use_is_refused_with_its_column(quick, fmt):
    far = MAX_COLUMNS + 44  # column UJ
    if fmt == "csv":
        data = "\n".join([",".join(ENTERPRISE_COLUMNS), ",".join([*PROFILE.values()] + [""] * (far - 6) + ["x"])])
        data = data.encode()
    else:
        row = inline_row(2, list(PROFILE.values())) + inline_row(2, ["x"], first_column=far)
        data = xlsx_file(sheet_xml(HEADER + row.replace('</row><row r="2">', "")))
    assert stopped(read_rows(data, f"a.{fmt}", quick)) == [
        Problem(2, "", f"a value in column UJ; a file has at most {MAX_COLUMNS} columns (A to SR)", "UJ")]


def test_a_file_of_endless_blank_cells_is_refused_at_the_cell_limit(quick):
    data = (",".join(ENTERPRISE_COLUMNS) + "\n" + "\n" * MAX_CELLS).encode()
    [problem] = stopped(read_rows(data, "a.csv", quick))
    assert problem.reason.startswith(f"the file holds more than {MAX_CELLS:,} cells (rows × columns, blank ones")
    rows = "".join(f'<row r="{number}"><c r="XFD{number}" s="0"/></row>' for number in range(2, 30))
    [problem] = stopped(read_rows(xlsx_file(sheet_xml(HEADER + rows)), "a.xlsx", quick))  # styled, empty, far right
    assert problem.reason.startswith(f"the file holds more than {MAX_CELLS:,} cells") and problem.row < 30


def test_reading_stops_at_the_time_limit(quick, monkeypatch):
    monkeypatch.setattr(spreadsheets.reading, "READ_SECONDS", -1)
    data = csv_file(list(ENTERPRISE_COLUMNS), [PROFILE])
    assert stopped(read_rows(data, "a.csv", quick)) == [
        Problem(1, "", "reading the file took longer than -1 s and stopped at this row; split the file")]


@pytest.mark.parametrize(("parts", "part"), [
    ({"xl/worksheets/sheet1.xml": sheet_xml(inline_row(1, ["&lol2;"]), prolog=ENTITIES)}, "xl/worksheets/sheet1.xml"),
    ({"xl/worksheets/sheet1.xml": sheet_xml(inline_row(1, ["&ext;"]), prolog=EXTERNAL)}, "xl/worksheets/sheet1.xml"),
    ({"xl/worksheets/sheet1.xml": sheet_xml(HEADER, prolog="<!--" + "x" * 50_000 + "-->" + EXTERNAL)},
     "xl/worksheets/sheet1.xml"),  # far from the start
    ({"xl/sharedStrings.xml": '<?xml version="1.0"?>' + EXTERNAL + f'<sst xmlns="{"x"}"/>'}, "xl/sharedStrings.xml"),
    ({"[Content_Types].xml": ('<?xml version="1.0" encoding="UTF-16"?>' + ENTITIES + "<Types/>").encode("utf-16")},
     "[Content_Types].xml"),
])
def test_a_workbook_with_a_dtd_is_refused_naming_the_part(quick, parts, part):
    assert stopped(read_rows(xlsx_file(parts=parts), "a.xlsx", quick)) == [Problem(0, "", DTD.format(part=part))]


def test_zip_bombs_are_refused_before_they_are_unpacked(quick):
    bomb = xlsx_file(parts={"xl/media/image1.png": b"\x00" * (64 * 1024 * 1024)})
    assert len(bomb) < 200_000
    [problem] = stopped(read_rows(bomb, "a.xlsx", quick))
    assert problem.reason.startswith("the workbook holds") and "unpack to 64." in problem.reason
    assert problem.reason.endswith(f"at most 200 parts and 20.0 MB are read (a workbook of {MAX_ROWS:,} rows is far "
                                   "smaller)")
    many = xlsx_file(parts={f"xl/media/{number}.bin": b"x" for number in range(250)})
    assert stopped(read_rows(many, "a.xlsx", quick))[0].reason.startswith("the workbook holds 2")
    lying = declared_smaller(xlsx_file(parts={"xl/media/image1.png": b"\x00" * (4 * 1024 * 1024)}),
                             "xl/media/image1.png")  # fmt: skip
    assert stopped(read_rows(lying, "a.xlsx", quick)) == [
        Problem(0, "", "not a readable Excel workbook: Bad CRC-32 for file 'xl/media/image1.png'")]


@pytest.mark.parametrize(("data", "start"), [
    (xlsx_file(parts={"[Content_Types].xml": "<Types"}), "not a readable Excel workbook: "),  # broken XML
    (xlsx_file(sheet_xml(HEADER + "<row r='2'><c r='A2' t='inlineStr'><is><t>x</t></is>")), "not a readable Excel "),
    (xlsx_file(sheet_xml(HEADER + "<row r='99999999999'><c r='A99999999999' t='n'><v>1</v></c></row>")),
     f"the file holds more than {MAX_CELLS:,} cells"),  # the blank rows above it count
])
def test_a_damaged_workbook_is_refused_not_a_crash(quick, data, start):
    [problem] = stopped(read_rows(data, "a.xlsx", quick))
    assert problem.reason.startswith(start)


def test_a_zip_that_is_no_workbook_is_refused(quick):
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    [problem] = stopped(read_rows(out.getvalue(), "a.xlsx", quick))
    assert problem.reason.startswith("not a readable Excel workbook: ")


def test_a_csv_cell_of_a_huge_line_is_refused_with_its_row(quick):
    data = (",".join(ENTERPRISE_COLUMNS) + "\n" + ",".join(PROFILE.values()) + "\n" + "x" * 200_000 + "\n").encode()
    assert stopped(read_rows(data, "a.csv", quick)) == [
        Problem(3, "", "a cell holds more than 131,072 characters; no answer is that long")]


def declared_smaller(data: bytes, name: str, size: int = 1000) -> bytes:
    """An archive whose part `name` declares it unpacks to `size` bytes, in its local header and its directory."""
    patched = bytearray(data)
    encoded = name.encode()
    start = 0
    while (found := data.find(encoded, start)) != -1:
        if data[found - 30:found - 26] == b"PK\x03\x04":
            patched[found - 30 + 22:found - 30 + 26] = size.to_bytes(4, "little")
        elif data[found - 46:found - 42] == b"PK\x01\x02":
            patched[found - 46 + 24:found - 46 + 28] = size.to_bytes(4, "little")
        start = found + 1
    return bytes(patched)
