"""Fixtures of the spreadsheets tests: the quick check, and a CSV file with good and broken rows."""

from __future__ import annotations

import pytest
from spreadsheet_files import LETTERS, PROFILE, cell_text, csv_file

from questionnaires.loader import DIRECTORY, load_questionnaire


@pytest.fixture(scope="module")
def quick():
    """The quick check."""
    return load_questionnaire(DIRECTORY / "quick_check.yaml")


@pytest.fixture
def broken_csv(example_answers) -> bytes:
    """A complete good row, one bad cell per row after it, an incomplete good row, a row with two bad cells."""
    complete = {**PROFILE, **{column: cell_text(answer) for column, answer in example_answers.items()}}
    rows = [
        complete,  # row 2
        {**complete, "sp_talent": "freelance"},  # 3
        {**complete, "ds_data": "7"},  # 4
        {**complete, "en_connected_share": "about 30"},  # 5
        {**complete, "region_code": "999999"},  # 6
        {**complete, "enterprise_name": " "},  # 7
        {**PROFILE, "enterprise_name": "Weifang Castings", "region_code": "370700", "industry_code": "C33",
         "employees": "1,250", "revenue_million_yuan": "420.5", "sp_strategy": "1", "en_platform": "no",
         "ds_security_measures": "backup, access_rights", "remarks": "visited 3 May"},  # 8: incomplete, good
        {**complete, "en_platform": "no"},  # 9: a question that "no" hides is answered
        {},  # 10: empty, skipped
        {**complete, "employees": "many", "ps_connected_products": "maybe"},  # 11
    ]
    return csv_file(list(LETTERS), rows)
