"""Reading an import file: an XLSX workbook or CSV text, as numbered rows of cell values."""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl import load_workbook

from spreadsheets.cells import Percent
from spreadsheets.columns import Format


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an import file, where the spreadsheet shows it."""

    row: int  # as the spreadsheet numbers it, the header being row 1; 0 when the file as a whole cannot be read
    column: str  # the column id; "" when there is none
    reason: str
    letter: str = ""  # the column's letter (A, B, ...); "" for a missing column or the whole file

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row else []
        if self.letter or self.column:
            where.append(f"column {self.letter} ({self.column})" if self.letter and self.column
                         else f"column {self.letter or self.column}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class UnusableFile(Exception):
    """The file as a whole cannot be used."""

    def __init__(self, *problems: Problem):
        self.problems = list(problems)


def read_table(data: bytes, filename: str) -> tuple[Format, Iterator[tuple[int, list]]]:
    """The format and the rows (row number, cell values) of a file; raises `UnusableFile` when it cannot be read."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx", _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnusableFile(Problem(0, "", "this is an old Excel (.xls) file; save it as .xlsx or .csv and import "
                                          "that"))
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnusableFile(Problem(0, "", "the file is named .xlsx but is not an Excel workbook"))
    return "csv", _csv_rows(_decode(data))


def _decode(data: bytes) -> str:
    """CSV text in UTF-8 with or without a byte-order mark, UTF-16, or GB18030 as saved by Chinese Excel."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise UnusableFile(Problem(0, "", "the file is neither an Excel workbook nor CSV text in UTF-8 or "
                                          "GB18030")) from None


def _csv_rows(text: str) -> Iterator[tuple[int, list]]:
    """CSV records numbered as a spreadsheet numbers them (a cell may hold several lines; it is still one row)."""
    # Excel saves CSV with the delimiter of the computer's locale: take the one that splits the header the most.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise UnusableFile(Problem(reader.line_num, "", f"not valid CSV: {error}")) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    """The rows of the sheet "assessments", or of the first sheet when there is none by that name."""
    with warnings.catch_warnings():  # openpyxl warns about features of the file it does not read, e.g. extensions
        warnings.simplefilter("ignore")
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise UnusableFile(Problem(0, "", f"not a readable Excel workbook: {error}")) from None
        try:
            sheet = workbook["assessments"] if "assessments" in workbook.sheetnames else workbook.worksheets[0]
            rows = [[_xlsx_value(cell) for cell in cells] for cells in sheet.iter_rows()]
        finally:
            workbook.close()
    return enumerate(rows, start=1)


def _xlsx_value(cell) -> object:
    """A cell's value; a percentage keeps its format, since a share of 25 may be typed as 25% (0.25)."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return Percent(value)
    return value
