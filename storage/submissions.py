"""Submitting an assessment, the one way every caller does it (the survey, the API, imports, the demo data): score
the answers, pin the result to the assessment, make it its enterprise's benchmark entry for the period."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from assessment.answers import Answer
from assessment.scoring import Result, score
from assessment.trust import TrustLevel
from questionnaires.loader import Questionnaire
from storage.assessments import submit_assessment
from storage.campaigns import note_submission
from storage.statistics import record_submission
from storage.tables import Assessment, Enterprise
from storage.verification import note_resubmission


@dataclass(frozen=True)
class Submission:
    """A submission that took: its result (the enterprise sees it at once; others, from the next release)."""

    result: Result
    trust: TrustLevel  # what the benchmark entry is (or is to be) recorded with


def trust_of(user) -> TrustLevel:
    """The trust level of what `user` submits (None or an anonymous user: no account; see assessment/trust.py)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    if user.role in ("consultant", "agency", "admin"):
        return "vouched"
    return "account" if user.email_confirmed_at is not None else "anonymous"


def submit(*, session: Session, assessment: Assessment, questionnaire: Questionnaire, answers: Mapping[str, Answer],
           trust: TrustLevel, submitted_at: datetime | None = None, user=None,
           defer_entry: bool = False) -> Submission | None:
    """Score complete answers and submit them as `trust` stands behind them (`user`: who, if signed in); None when
    the assessment had already been submitted. A resubmission after a reviewer's return is self-declared again.

    `defer_entry`: the benchmark entry is left to the caller to record (on the queue: jobs/statistics.py), with
    the submission's `trust`; the enterprise's own result does not wait for it."""
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    result = score(questionnaire, answers, profile=enterprise.industry_type)
    if not submit_assessment(session=session, assessment=assessment, questionnaire=questionnaire, result=result,
                             submitted_at=submitted_at):
        return None
    trust = note_submission(session=session, assessment=assessment, trust=trust)
    if not defer_entry:
        record_submission(session=session, assessment=assessment, questionnaire=questionnaire, result=result,
                          enterprise=enterprise, trust=trust)
    note_resubmission(session=session, assessment=assessment, user=user)
    if defer_entry:  # ended, so that the entry's writer (another connection; on SQLite, a lock) is not held up
        session.commit()
    return Submission(result, trust)
