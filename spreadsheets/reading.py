"""Reading an import file: an XLSX workbook or CSV text, as numbered rows of cell values.

Every file is read within limits, so that no upload holds a worker for long or answers a page of megabytes: at most
`MAX_ROWS` enterprises (filled rows below the header), values in the first `MAX_COLUMNS` columns, `MAX_CELLS` cells
read in all (rows × columns, blank ones included), and `READ_SECONDS` of reading and checking. An XLSX archive must
unpack to at most `MAX_UNPACKED_BYTES` in at most `MAX_PARTS` parts (sizes read from its directory before anything is
unpacked; a part that unpacks to more than it declares fails its checksum), and none of its parts may declare a DTD,
which Excel never writes and which is how entity expansion and external entities get in (with defusedxml installed,
openpyxl's parser refuses entities too).
"""

from __future__ import annotations

import csv
import io
import time
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from spreadsheets.cells import Percent, is_filled
from spreadsheets.columns import Format

MAX_ROWS = 300  # enterprises in one file: importing as many complete full assessments takes about 15 s
MAX_COLUMNS = 512  # columns A to SR; the full assessment's template has about 320
MAX_CELLS = 250_000  # cells read, blank ones included (a full template of MAX_ROWS rows has about 19,000)
READ_SECONDS = 20  # reading and checking a file stops after this long
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # what an XLSX archive may unpack to
MAX_PARTS = 200  # files inside an XLSX archive
DTD_MARKS = tuple("<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
# What openpyxl and the XML and ZIP readers raise on a damaged or hostile workbook (ParseError is a SyntaxError;
# defusedxml's refusals are ValueErrors; an encrypted archive is a RuntimeError).
XLSX_ERRORS = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError, AttributeError, IndexError, OSError,
               EOFError, SyntaxError, NotImplementedError, RuntimeError)

@dataclass(frozen=True)
class Limits:
    """How much of one file is read: rows below the header, cells, seconds, and what an XLSX may unpack to. Imports
    of assessments read within the limits above; a campaign's list of enterprises has its own (spreadsheets/
    campaign_list.py)."""

    rows: int
    cells: int
    seconds: float
    unpacked_bytes: int
    what: str = "enterprises"  # what a row holds, as messages say it


def assessment_limits() -> Limits:
    """The limits of an import of assessments (read when a file is, so that tests may lower them)."""
    return Limits(MAX_ROWS, MAX_CELLS, READ_SECONDS, MAX_UNPACKED_BYTES)


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


def read_table(data: bytes, filename: str, limits: Limits | None = None) -> tuple[Format, Iterator[tuple[int, list]]]:
    """The format and the rows (row number, cell values) of a file, read within `limits` (an import of assessments'
    by default); raises `UnusableFile` when it cannot be read, at once or while its rows are read."""
    limits = limits or assessment_limits()
    if data.startswith(b"PK\x03\x04"):
        _check_archive(data, limits)
        return "xlsx", _within_limits(_xlsx_rows(data), limits)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnusableFile(Problem(0, "", "this is an old Excel (.xls) file; save it as .xlsx or .csv and import "
                                          "that"))
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnusableFile(Problem(0, "", "the file is named .xlsx but is not an Excel workbook"))
    return "csv", _within_limits(_csv_rows(_decode(data)), limits)


def _within_limits(rows: Iterable[tuple[int, list]], limits: Limits) -> Iterator[tuple[int, list]]:
    """The rows, stopped with `UnusableFile` at the first one past a limit: too many cells, too long, too many
    rows, or a value too far right."""
    deadline = time.monotonic() + limits.seconds
    filled = cells = 0
    for number, values in rows:
        cells += len(values) or 1
        if cells > limits.cells:
            raise UnusableFile(Problem(number, "", f"the file holds more than {limits.cells:,} cells (rows × columns, "
                                                   "blank ones included) by this row; delete the rows and columns "
                                                   "around the data, or split the file"))
        if time.monotonic() > deadline:
            raise UnusableFile(Problem(number, "", f"reading the file took longer than {limits.seconds:g} s and "
                                                   "stopped at this row; split the file"))
        if values and any(map(is_filled, values)):
            filled += number > 1
            if filled > limits.rows:
                raise UnusableFile(Problem(number, "", f"the file holds more than {limits.rows:,} {limits.what}; at "
                                                       f"most {limits.rows:,} rows are imported at once, so split the "
                                                       "file"))
            if len(values) > MAX_COLUMNS and any(map(is_filled, values[MAX_COLUMNS:])):
                beyond = next(index for index in range(MAX_COLUMNS, len(values)) if is_filled(values[index]))
                letter = get_column_letter(beyond + 1)
                raise UnusableFile(Problem(number, "", f"a value in column {letter}; a file has at most "
                                                       f"{MAX_COLUMNS} columns (A to "
                                                       f"{get_column_letter(MAX_COLUMNS)})", letter))
        yield number, values


def _check_archive(data: bytes, limits: Limits) -> None:
    """Refuse an XLSX archive that is damaged, unpacks to too much, or holds a part that declares a DTD, before
    openpyxl reads any of it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            unpacked = sum(part.file_size for part in parts)
            if len(parts) > MAX_PARTS or unpacked > limits.unpacked_bytes:
                raise UnusableFile(Problem(0, "", f"the workbook holds {len(parts):,} parts that unpack to "
                                                  f"{_megabytes(unpacked)}; at most {MAX_PARTS} parts and "
                                                  f"{_megabytes(limits.unpacked_bytes)} are read (a workbook of "
                                                  f"{limits.rows:,} rows is far smaller)"))
            for part in parts:
                if _declares_dtd(archive, part):
                    raise UnusableFile(Problem(0, "", f"not a readable Excel workbook: its part {part.filename} "
                                                      "declares a DTD (<!DOCTYPE ...>), which Excel never writes; "
                                                      "save the sheet again with Excel"))
    except XLSX_ERRORS as error:
        raise UnusableFile(Problem(0, "", f"not a readable Excel workbook: {error}")) from None


def _declares_dtd(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> bool:
    """Whether a part holds "<!DOCTYPE" anywhere (character data cannot hold a "<": it would be written "&lt;").
    Reading it to the end also checks that it unpacks to the size it declares."""
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1024 * 1024):
            if any(mark in tail + chunk for mark in DTD_MARKS):
                return True
            tail = chunk[-32:]
    return False


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


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
        if "field larger than field limit" in str(error):
            raise UnusableFile(Problem(reader.line_num, "", f"a cell holds more than {csv.field_size_limit():,} "
                                                            "characters; no answer is that long")) from None
        raise UnusableFile(Problem(reader.line_num, "", f"not valid CSV: {error}")) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    """The rows of the sheet "assessments", or of the first sheet when there is none by that name, read as they
    are needed; `UnusableFile` for a workbook openpyxl cannot read."""
    try:
        with warnings.catch_warnings():  # openpyxl warns about features of the file it does not read, e.g. extensions
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except XLSX_ERRORS as error:
        raise UnusableFile(Problem(0, "", f"not a readable Excel workbook: {error}")) from None
    number = 0
    try:
        sheet = workbook["assessments"] if "assessments" in workbook.sheetnames else workbook.worksheets[0]
        # The size a sheet declares is not trusted: too small, it would hide rows; too large, it would pad every row
        # to its width. Each row is then as wide as its last cell, and a row missing between two is empty.
        sheet.reset_dimensions()
        rows = enumerate(sheet.iter_rows(), start=1)
        while chunk := _xlsx_chunk(rows):  # read a chunk at a time, so that warnings are silenced only meanwhile
            for number, values in chunk:
                yield number, values
    except XLSX_ERRORS as error:
        raise UnusableFile(Problem(number + 1, "", f"not a readable Excel workbook: {error}")) from None
    finally:
        workbook.close()


def _xlsx_chunk(rows: Iterator[tuple[int, tuple]], cells: int = 10_000) -> list[tuple[int, list]]:
    """The next rows of a sheet, about `cells` cells of them, as values."""
    chunk, read = [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for number, row in rows:
            chunk.append((number, [_xlsx_value(cell) for cell in row]))
            read += len(row) + 1
            if read >= cells:
                break
    return chunk


def _xlsx_value(cell) -> object:
    """A cell's value; a percentage keeps its format, since a share of 25 may be typed as 25% (0.25)."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return Percent(value)
    return value
