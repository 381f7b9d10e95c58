"""The quality flags of a stored assessment, from its answers and the paradata kept while it was answered."""

from __future__ import annotations

from sqlmodel import Session

from assessment.quality import QualityFlag, quality_flags
from questionnaires.loader import Questionnaire
from storage.assessments import load_answers
from storage.tables import Assessment


def active_seconds_of(assessment: Assessment) -> int | None:
    """The active time spent answering online, None when it was not measured (imported or generated answers, or an
    assessment begun before the time was kept)."""
    return assessment.active_seconds if assessment.first_saved_at is not None else None


def flags_for(*, session: Session, assessment: Assessment, questionnaire: Questionnaire) -> list[QualityFlag]:
    """The quality flags of an assessment (submitted, as a rule) from its stored answers and paradata."""
    answers = load_answers(session=session, assessment=assessment, questionnaire=questionnaire)
    return quality_flags(questionnaire, answers, active_seconds_of(assessment))
