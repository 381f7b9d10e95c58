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
