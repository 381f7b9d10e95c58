"""The columns of an import file: the enterprise's, then every question in page order."""

from __future__ import annotations

from spreadsheet_files import LETTERS

from spreadsheets.columns import ENTERPRISE_COLUMNS, template_columns


def test_the_template_columns_are_the_enterprise_then_every_question_in_page_order(quick):
    columns = template_columns(quick)
    assert [column.id for column in columns] == list(LETTERS)[:-1]
    assert [column.id for column in columns if column.required] == list(ENTERPRISE_COLUMNS)
    assert columns[6].question.id == "sp_talent" and columns[6].page.en == "Strategy, organisation and talent"
