"""Saving and reading assessments: every function takes the database session as a keyword argument."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, select

from assessment.answers import Answer, answer_to_json, parse_answer
from assessment.quality import add_active_time
from assessment.scoring import Result
from questionnaires.loader import Questionnaire
from storage.tables import Assessment, CampaignMember, Enterprise, EnterpriseBase, NodeScore, StoredAnswer, utcnow


class AlreadySubmitted(Exception):
    """The assessment was submitted; its answers can no longer change."""


def start_assessment(*, session: Session, profile: EnterpriseBase, questionnaire: Questionnaire) -> Assessment:
    """Create the enterprise and a draft assessment with a fresh resume token."""
    enterprise = Enterprise.model_validate(profile)
    session.add(enterprise)
    session.flush()
    return start_reassessment(session=session, enterprise=enterprise, questionnaire=questionnaire)


def start_reassessment(*, session: Session, enterprise: Enterprise, questionnaire: Questionnaire) -> Assessment:
    """A new draft assessment for an enterprise that has been assessed before (a later period)."""
    assessment = Assessment(
        enterprise_id=enterprise.id,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        token=secrets.token_urlsafe(18),
    )
    session.add(assessment)
    session.commit()
    return assessment


def find_assessment(*, session: Session, token: str) -> Assessment | None:
    """The assessment behind a resume token, or None."""
    return session.exec(select(Assessment).where(Assessment.token == token)).first()


def load_answers(*, session: Session, assessment: Assessment, questionnaire: Questionnaire) -> dict[str, Answer]:
    """The stored answers, as domain values; answers to questions this version no longer has are skipped."""
    rows = session.exec(select(StoredAnswer).where(StoredAnswer.assessment_id == assessment.id)).all()
    answers = {}
    for row in rows:
        question = questionnaire.questions.get(row.question_id)
        if question is not None:
            try:
                answers[row.question_id] = parse_answer(question, row.value)
            except ValueError:
                continue
    return answers


def save_answers(*, session: Session, assessment: Assessment, answers: Mapping[str, Answer | None],
                 timed: bool = False) -> None:
    """Store answers (None clears one) in one transaction; a submitted assessment refuses changes.

    `timed`: a person answered them just now (a survey page, the API), so the time since the previous save counts as
    active time (`note_active_time`); imported and generated answers are saved untimed."""
    if assessment.status != "draft":
        raise AlreadySubmitted(assessment.token)
    now = utcnow()
    if timed:
        note_active_time(session=session, assessment=assessment, now=now)
    existing = {
        row.question_id: row
        for row in session.exec(
            select(StoredAnswer).where(StoredAnswer.assessment_id == assessment.id,
                                       StoredAnswer.question_id.in_(list(answers)))
        )
    }
    for question_id, answer in answers.items():
        row = existing.get(question_id)
        if answer is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(StoredAnswer(assessment_id=assessment.id, question_id=question_id,
                                     value=answer_to_json(answer)))
        elif row.value != answer_to_json(answer):
            row.value, row.updated_at = answer_to_json(answer), now
            session.add(row)
    if any(answer is not None for answer in answers.values()):  # a campaign's member starts at its first answer
        session.execute(update(CampaignMember).where(CampaignMember.assessment_id == assessment.id,
                                                     CampaignMember.started_at.is_(None)).values(started_at=now))
    assessment.updated_at = now
    session.add(assessment)
    session.commit()


def note_active_time(*, session: Session, assessment: Assessment, now: datetime) -> None:
    """Paradata of a timed save: the first one starts the clock (the time since the assessment was started counts,
    the first page's), every later one adds the time since the previous save, each gap at most the idle limit. An
    assessment that already held answers when first saved timed (imported, or begun before paradata were kept) is
    never clocked: part of its answering went unmeasured, and a time would understate it."""
    if assessment.first_saved_at is None:
        if session.exec(select(StoredAnswer.id).where(StoredAnswer.assessment_id == assessment.id)).first():
            return
        assessment.first_saved_at = now
        assessment.active_seconds = add_active_time(0, assessment.created_at, now)
    else:
        assessment.active_seconds = add_active_time(assessment.active_seconds, assessment.updated_at, now)


def submit_assessment(
    *, session: Session, assessment: Assessment, questionnaire: Questionnaire, result: Result,
    submitted_at: datetime | None = None,
) -> bool:
    """Pin the result to the assessment; False when it had already been submitted (exactly one submission wins).

    `submitted_at` (default now) lets imported and demonstration assessments keep the date they were made."""
    overall = result.overall(questionnaire)
    changed = session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.status == "draft")
        .values(
            status="submitted",
            submitted_at=submitted_at or utcnow(),
            overall_score=overall.score,
            overall_level=overall.level,
            result=result.to_dict(questionnaire),
        )
    ).rowcount
    if changed != 1:
        session.rollback()
        return False
    session.execute(delete(NodeScore).where(NodeScore.assessment_id == assessment.id))
    session.add_all(
        NodeScore(assessment_id=assessment.id, node_id=node.id, kind=node.kind, score=node.score, level=node.level)
        for node in result.nodes.values()
    )
    session.commit()
    session.refresh(assessment)
    return True
