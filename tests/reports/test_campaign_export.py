"""A campaign's tracking table as files: a name that a spreadsheet would run as a formula stays text."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from reports.campaign_export import table_csv, tables_xlsx

ROWS = [["=HYPERLINK(\"http://evil.example\",\"click\")", "914403001922038216", 3], ["青岛精密零件", "-1+1", None]]


def test_csv_keeps_formulas_as_text_and_chinese_readable():
    data = table_csv(["Enterprise", "Credit code", "Count"], ROWS)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with its mark
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\",\"click\")" and rows[2] == ["青岛精密零件", "'-1+1", ""]


def test_xlsx_writes_every_sheet_and_no_formula():
    workbook = load_workbook(io.BytesIO(tables_xlsx([("Members", ["Enterprise", "Credit code", "Count"], ROWS),
                                                     ("Response rates", ["Group"], [["Jinan"]])])))
    assert workbook.sheetnames == ["Members", "Response rates"]
    cells = [cell for row in workbook["Members"].iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert cells[0].value.startswith("'=") and cells[2].value == 3
