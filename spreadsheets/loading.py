"""Loading the good rows of an import file: an enterprise and a draft or submitted assessment for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session

from assessment.trust import TrustLevel
from questionnaires.loader import Questionnaire
from spreadsheets.rows import ImportResult
from storage.assessments import save_answers, start_assessment
from storage.submissions import submit


@dataclass(frozen=True)
class Imported:
    """An enterprise and assessment created from one row."""

    row: int
    enterprise_id: int
    assessment_id: int
    token: str  # the resume link's secret
    status: Literal["draft", "submitted"]


def import_rows(*, session: Session, questionnaire: Questionnaire, result: ImportResult, submit_complete: bool,
                trust: TrustLevel, submitted_at: datetime | None = None) -> list[Imported]:
    """Save every good row of `result` as the survey does; with `submit_complete`, submit the complete ones, with
    the importer standing behind them (`trust`)."""
    # The store functions the survey uses commit each row on its own. An incomplete row stays a draft whatever
    # `submit_complete` says, to be completed online.
    created = []
    for row in result.rows:
        assessment = start_assessment(session=session, profile=row.profile, questionnaire=questionnaire)
        save_answers(session=session, assessment=assessment, answers=row.answers)
        if submit_complete and row.complete:
            submit(session=session, assessment=assessment, questionnaire=questionnaire, answers=row.answers,
                   trust=trust, submitted_at=submitted_at)
        created.append(Imported(row.row, assessment.enterprise_id, assessment.id, assessment.token,
                                "submitted" if assessment.status == "submitted" else "draft"))
    return created

