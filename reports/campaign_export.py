"""A campaign's tracking table as files: the rows the page shows (members with their status and mail), and in the
workbook the response rates with their withheld groups left empty. Nothing is computed here."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook

FORMULA_MARKS = ("=", "+", "-", "@")  # a cell starting so would be read as a formula by a spreadsheet


def _safe(value: object) -> object:
    """A text that a spreadsheet would run as a formula, quoted so it stays text (a name like "=HYPERLINK(...)")."""
    if isinstance(value, str) and value.startswith(FORMULA_MARKS):
        return "'" + value
    return value


def table_csv(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """A table as CSV, UTF-8 with a byte-order mark so that Excel reads Chinese names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_safe(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def tables_xlsx(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]]) -> bytes:
    """A workbook of (title, headers, rows) sheets, the headers in the first row."""
    workbook = Workbook(write_only=True)  # streamed: 50,000 rows without a cell object each
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(list(headers))
        for row in rows:
            sheet.append([_safe(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
