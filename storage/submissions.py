"""Submitting an assessment, the one way every caller does it (the survey, the API, imports, the demo data): score
the answers, pin the result to the assessment, make it its enterprise's benchmark entry for the period."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from assessment.answers import Answer
from assessment.scoring import Result, score
from questionnaires.loader import Questionnaire
from storage.assessments import submit_assessment
from storage.statistics import Recorded, record_submission
from storage.tables import Assessment, Enterprise


@dataclass(frozen=True)
class Submission:
    """A submission that took: its result, and the statistics it changed (None: it changed none)."""

    result: Result
    recorded: Recorded | None


def submit(*, session: Session, assessment: Assessment, questionnaire: Questionnaire, answers: Mapping[str, Answer],
           submitted_at: datetime | None = None) -> Submission | None:
    """Score complete answers and submit them; None when the assessment had already been submitted.

    The caller refreshes the statistics in `Submission.recorded` (at once, later, or all at the end of an import)."""
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    result = score(questionnaire, answers, profile=enterprise.industry_type)
    if not submit_assessment(session=session, assessment=assessment, questionnaire=questionnaire, result=result,
                             submitted_at=submitted_at):
        return None
    recorded = record_submission(session=session, assessment=assessment, questionnaire=questionnaire, result=result,
                                 enterprise=enterprise)
    return Submission(result, recorded)
