"""Loading the good rows of an import file: an enterprise and a draft or submitted assessment for each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session

from questionnaires.loader import Questionnaire
from spreadsheets.rows import ImportResult
from storage.assessments import save_answers, start_assessment
from storage.statistics import Recorded
from storage.submissions import submit


@dataclass(frozen=True)
class Imported:
    """An enterprise and assessment created from one row."""

    row: int
    enterprise_id: int
    assessment_id: int
    token: str  # the resume link's secret
    status: Literal["draft", "submitted"]
    recorded: Recorded | None = None  # the benchmark cells a submission changed; see `changed_statistics`


def import_rows(*, session: Session, questionnaire: Questionnaire, result: ImportResult, submit_complete: bool,
                submitted_at: datetime | None = None) -> list[Imported]:
    """Save every good row of `result` as the survey does; with `submit_complete`, submit the complete ones."""
    # The store functions the survey uses commit each row on its own. An incomplete row stays a draft whatever
    # `submit_complete` says, to be completed online. The statistics are left to the caller (`changed_statistics`),
    # so that they are refreshed once for the whole file, not once per row.
    created = []
    for row in result.rows:
        assessment = start_assessment(session=session, profile=row.profile, questionnaire=questionnaire)
        save_answers(session=session, assessment=assessment, answers=row.answers)
        recorded = None
        if submit_complete and row.complete:
            submission = submit(session=session, assessment=assessment, questionnaire=questionnaire,
                                answers=row.answers, submitted_at=submitted_at)
            if submission is not None:
                recorded = submission.recorded
        created.append(Imported(row.row, assessment.enterprise_id, assessment.id, assessment.token,
                                "submitted" if assessment.status == "submitted" else "draft", recorded))
    return created


def changed_statistics(imported: Iterable[Imported]) -> list[Recorded]:
    """The cohort cells to refresh after an import, one `Recorded` per period (for `refresh_statistics`)."""
    cells: dict[int, set] = {}
    for item in imported:
        if item.recorded is not None:
            cells.setdefault(item.recorded.period, set()).update(item.recorded.cells)
    return [Recorded(period, frozenset(found)) for period, found in sorted(cells.items())]
