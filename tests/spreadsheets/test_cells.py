"""How cells are read: the words a yes/no cell takes."""

from __future__ import annotations

import pytest
from spreadsheet_files import PROFILE, csv_file

from spreadsheets.columns import ENTERPRISE_COLUMNS
from spreadsheets.rows import read_rows


@pytest.mark.parametrize(("cell", "answer"), [
    ("yes", True), ("No", False), ("TRUE", True), ("false", False), ("1", True), ("0", False), ("是", True),
    ("否", False), ("na", "na"),
])
def test_yes_no_cells(quick, cell, answer):
    data = csv_file([*ENTERPRISE_COLUMNS, "ps_connected_products"], [{**PROFILE, "ps_connected_products": cell}])
    assert read_rows(data, "a.csv", quick).rows[0].answers == {"ps_connected_products": answer}
