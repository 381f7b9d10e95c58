"""The layout of an import file: its formats and its columns, the enterprise's first, then one per question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from questionnaires.loader import Questionnaire
from questionnaires.schema import Text

Format = Literal["csv", "xlsx"]

ENTERPRISE_COLUMNS = ("enterprise_name", "region_code", "industry_code", "employees", "revenue_million_yuan")


@dataclass(frozen=True)
class Column:
    """One column of the import file: an enterprise field (`question` None) or a question."""

    id: str
    question: object | None = None  # the question model of a question column
    page: Text | None = None  # the page (dimension) name of a question column
    required: bool = False  # a file without this column is not imported


def template_columns(questionnaire: Questionnaire) -> list[Column]:
    """The columns of an import file: the enterprise columns, then every question in page order."""
    # Only the enterprise columns are required: a question column left out of a file leaves its question unanswered.
    columns = [Column(column_id, required=True) for column_id in ENTERPRISE_COLUMNS]
    for dimension in questionnaire.dimensions:
        columns.extend(Column(question.id, question, dimension.name) for question in dimension.questions)
    return columns
