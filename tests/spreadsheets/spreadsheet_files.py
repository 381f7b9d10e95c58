"""Hand-built import files for the spreadsheets tests: a good profile, the quick check's column letters, CSV text."""

from __future__ import annotations

import csv
import io

from spreadsheets.columns import ENTERPRISE_COLUMNS
from spreadsheets.reading import Problem

PROFILE = {"enterprise_name": "Qingdao Precision Parts", "region_code": "370200", "industry_code": "34",
           "employees": "120", "revenue_million_yuan": "50"}
# The quick check's columns and the letters a spreadsheet shows them under.
LETTERS = dict(zip(
    [*ENTERPRISE_COLUMNS, "sp_strategy", "sp_talent", "sp_obstacle", "ds_data", "ds_security_measures",
     "ds_external_sharing", "en_automation", "en_connected_share", "en_platform", "op_systems", "op_platform_apps",
     "op_supply_chain", "ps_lifecycle", "ps_design_tools", "ps_connected_products", "remarks"],
    "ABCDEFGHIJKLMNOPQRSTU", strict=True,
))


def cell_text(answer) -> str:
    """An answer of the JSON format as a consultant writes it into a cell."""
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    if isinstance(answer, list):
        return ";".join(answer)
    return str(answer)


def csv_file(header: list[str], rows: list[dict], encoding: str = "utf-8-sig") -> bytes:
    """A CSV file with `header` and one record per row, a missing column left empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([row.get(column, "") for column in header] for row in rows)
    return buffer.getvalue().encode(encoding)


def problem(row: int, column: str, reason: str) -> Problem:
    """A problem in a column of the quick check, with the letter the spreadsheet shows it under."""
    return Problem(row, column, reason, LETTERS.get(column, ""))


SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def inline_row(number: int, values: list[str], first_column: int = 1) -> str:
    """One row of sheet XML with text cells from `first_column` on."""
    from openpyxl.utils import get_column_letter

    cells = "".join(f'<c r="{get_column_letter(first_column + index)}{number}" t="inlineStr"><is><t>{value}</t></is>'
                    "</c>" for index, value in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def sheet_xml(rows: str, *, prolog: str = "", dimension: str = "") -> str:
    """A worksheet part: `prolog` before the root element (e.g. a DTD), an optional declared size, the rows."""
    size = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0"?>{prolog}<worksheet xmlns="{SHEET_NS}">{size}<sheetData>{rows}</sheetData></worksheet>'


def xlsx_file(sheet: str | None = None, *, parts: dict[str, bytes | str] | None = None) -> bytes:
    """A workbook made by openpyxl whose first sheet's XML is replaced by `sheet` and whose other parts are replaced
    or added from `parts` (name -> content)."""
    import zipfile

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "assessments"
    made = io.BytesIO()
    workbook.save(made)
    replaced = dict(parts or {})
    if sheet is not None:
        replaced["xl/worksheets/sheet1.xml"] = sheet
    out = io.BytesIO()
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, replaced.pop(name, None) or source.read(name))
        for name, content in replaced.items():
            archive.writestr(name, content)
    return out.getvalue()
