"""The quality flags of a stored assessment, from its answers and the paradata kept while it was answered."""

from __future__ import annotations

from sqlmodel import Session

from assessment.quality import QualityFlag, quality_flags
from questionnaires.loader import Questionnaire
from storage.assessments import load_answers
from storage.assignments import saves_of
from storage.tables import Assessment


def active_seconds_of(assessment: Assessment) -> int | None:
    """The active time spent answering online, None when it was not measured (imported or generated answers, or an
    assessment begun before the time was kept)."""
    return assessment.active_seconds if assessment.first_saved_at is not None else None


def flags_for(*, session: Session, assessment: Assessment, questionnaire: Questionnaire) -> list[QualityFlag]:
    """The quality flags of an assessment (submitted, as a rule) from its stored answers and paradata.

    When colleagues saved pages of it, people answered side by side and the time kept is the elapsed time, not the
    time each spent: it is not judged too fast then."""
    answers = load_answers(session=session, assessment=assessment, questionnaire=questionnaire)
    shared = answered_side_by_side(session=session, assessment=assessment)
    return quality_flags(questionnaire, answers, None if shared else active_seconds_of(assessment))


def answered_side_by_side(*, session: Session, assessment: Assessment) -> bool:
    """Whether colleagues saved pages of the assessment (storage/assignments.py) besides its owner."""
    return bool(saves_of(session=session, assessment=assessment))
