"""The region comparison as files, holding the page's cells as they are shown; nothing is computed here.

CSV: the table, with the regional index's columns (and the weighted figures, when asked for) added to each region's
row and the formula (and notices) in trailing `#` lines after a blank line. XLSX: the table, the regional index with
its formula, every input of the index, the weighted figures (when asked for), the published figures (kept apart:
they are not our data) and a sheet about the selection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from assessment.published import Publication
from assessment.regional.comparison import Cell, Column, ComparisonTable
from assessment.regional.conditions import Conditions
from reports.weighted_view import WeightedTable

WITHHELD_FILL = "E3E7EB"  # the grey of withheld cells
WIDTHS = {"region": 24, "sub_index": 22, "indicator": 40, "value_source": 40, "denominator_source": 40, "missing": 40}


@dataclass(frozen=True)
class SheetWording:
    """The workbook's own words: sheet titles and the published figures' sheet; defaults for tests."""

    regions: str = "Regions"
    index: str = "Regional index"
    inputs: str = "Inputs"
    published: str = "Published figures"
    about: str = "About"
    published_note: str = "Published, not our data: level shares as published, on the publications' own scales."
    published_headers: tuple[str, ...] = ("Framework", "Year", "Scope", "Source", "Level (as published)",
                                          "Share of enterprises (%)")


def header(column: Column) -> str:
    """A column's heading in a one-line header, as the exports write it: "group: label"."""
    return column.label if column.heading == column.label else f"{column.heading}: {column.label}"


def weighted_notes(weighted: WeightedTable | None) -> list[tuple[str, str]]:
    """What the weighted columns are weighted to (and cover), as (label, text) lines."""
    if weighted is None:
        return []
    return [(weighted.columns[0].heading, "; ".join(weighted.sources) or "—"),
            *([(weighted.columns[0].heading, weighted.notice)] if weighted.notice else [])]


def table_csv(table: ComparisonTable, conditions: Conditions | None = None,
              weighted: WeightedTable | None = None) -> bytes:
    """The table as CSV, UTF-8 with a byte-order mark so that Excel reads Chinese names right; the index columns
    and the weighted figures (when given) follow each region's own, and the formula and notices are `#` lines at
    the end."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    index_rows = conditions.rows if conditions else ()
    index_columns = conditions.columns[2:] if index_rows else ()
    weighted_columns = weighted.columns if weighted else ()
    writer.writerow([header(column) for column in (*table.columns, *index_columns, *weighted_columns)])
    for i, row in enumerate(table.rows):
        writer.writerow([cell.text for cell in (*row.cells, *(index_rows[i].cells[2:] if index_rows else ()),
                                                *(weighted.rows[i].cells if weighted else ()))])
    notes = [*(conditions.notes if conditions else ()), *weighted_notes(weighted)]
    if notes:
        buffer.write("\r\n")
        for label, text in notes:
            buffer.writelines(f"# {line}\r\n" for line in [label, *text.splitlines()])
    return buffer.getvalue().encode("utf-8-sig")


def _number_format(cell: Cell) -> str:
    """The number format that shows a cell's number as its text does (the same decimals)."""
    decimals = len(cell.text.partition(".")[2]) if isinstance(cell.value, float) else 0
    return f"0.{'0' * decimals}" if decimals else "0"


def _write(sheet: Worksheet, columns: Sequence[Column], rows: Iterable[Sequence[Cell]]) -> None:
    """A header and rows of cells on a new sheet: numbers with their decimals, withheld cells grey, texts as shown."""
    for c, column in enumerate(columns, start=1):
        heading = sheet.cell(1, c, header(column))
        heading.font, heading.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[heading.column_letter].width = WIDTHS.get(column.key, 14)
    withheld = PatternFill("solid", start_color=WITHHELD_FILL)
    for r, cells in enumerate(rows, start=2):
        for c, cell in enumerate(cells, start=1):
            written = sheet.cell(r, c, cell.value if cell.value is not None else (cell.text or None))
            if isinstance(cell.value, float | int):
                written.number_format = _number_format(cell)
            if cell.withheld:
                written.fill = withheld
    sheet.freeze_panes = "C2"


def _lines(sheet: Worksheet, lines: Iterable[tuple[str, str]]) -> None:
    """(label, text) lines: the label in bold in the first column, the text beside it."""
    for label, text in lines:
        sheet.append([label, text])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        sheet.cell(sheet.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")


def table_xlsx(table: ComparisonTable, about: list[tuple[str, str]], words: SheetWording = SheetWording(),
               conditions: Conditions | None = None, published: Sequence[Publication] = (),
               weighted: WeightedTable | None = None) -> bytes:
    """The table as a workbook: the table, the regional index and its inputs (when shown), the weighted figures
    (when given), the published figures (when any) and `about` (label, text) lines with the index's notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = words.regions[:31]
    _write(sheet, table.columns, [row.cells for row in table.rows])
    if conditions and conditions.rows:
        index = workbook.create_sheet(words.index[:31])
        _write(index, conditions.columns, [row.cells for row in conditions.rows])
        for label, text in conditions.notes:  # the formula (and notices) below the table, a statement a line
            index.append([])
            index.append([label])
            index.cell(index.max_row, 1).font = Font(bold=True)
            for line in text.splitlines():
                index.append([line])
        inputs = workbook.create_sheet(words.inputs[:31])
        _write(inputs, conditions.input_columns, [cells for row in conditions.rows for cells in row.inputs])
    if weighted is not None:  # beside the unweighted table, a row per region in the same order
        sheet = workbook.create_sheet(weighted.columns[0].heading[:31])
        _write(sheet, [*table.columns[:2], *weighted.columns],
               [(*row.cells[:2], *found.cells) for row, found in zip(table.rows, weighted.rows, strict=True)])
    if published:
        figures = workbook.create_sheet(words.published[:31])
        figures.append([words.published_note])
        figures.cell(1, 1).font = Font(bold=True)
        figures.append(list(words.published_headers))
        for publication in published:
            for level, share in publication.shares:
                figures.append([publication.framework, publication.year, publication.scope, publication.source,
                                level, round(100 * share, 1)])
                figures.cell(figures.max_row, 6).number_format = "0.0"
        for c, width in enumerate((12, 8, 40, 60, 14, 14), start=1):
            figures.column_dimensions[figures.cell(2, c).column_letter].width = width
    notes = workbook.create_sheet(words.about[:31])
    _lines(notes, [*about, *(conditions.notes if conditions else ()), *weighted_notes(weighted)])
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
