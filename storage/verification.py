"""Review and sign-off of submitted assessments, without Flask.

Who may review an assessment (`may_review`): a consultant who serves the enterprise (its `consultant_id`), or an
agency assessor whose jurisdiction holds the enterprise's region; never someone who saved or submitted its answers
(a `Respondent`), never the enterprise's own users, administrators or anyone else. A reviewer accepts or returns each
answer (with a comment), then signs the assessment off (verified) or returns it to the enterprise: it becomes a draft
again, the enterprise revises it and submits it anew, and that revision is self-declared until reviewed again.

Every decision names the revision it was made on (the number of submissions), so a form posted again after a
resubmission is refused: a sign-off is of the answers the reviewer saw. Each step is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from storage.access import jurisdiction_of, within_jurisdiction
from storage.accounts import audit
from storage.tables import AnswerReview, Assessment, BenchmarkEntry, Enterprise, Respondent, User, Verification, utcnow

DECISIONS = ("accepted", "returned")
MAX_COMMENT = 1000


class ReviewRefused(Exception):
    """A review step that may not be taken now; `reason`: "status" (not submitted), "revision" (the assessment has
    changed since the form was shown), "returned" (a sign-off while answers are returned), "question", "comment"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Standing:
    """What can be said of an assessment: self-declared, or verified by whom and when; returned to the enterprise."""

    status: str  # "self_declared", "verified" or "returned"
    revision: int
    reviewer_name: str = ""
    reviewer_organisation: str = ""
    reviewer_role: str = ""
    decided_at: datetime | None = None
    comment: str = ""

    @property
    def verified(self) -> bool:
        return self.status == "verified"


def standing(*, session: Session, assessment: Assessment) -> Standing:
    """Where an assessment stands (self-declared when it was never reviewed)."""
    row = session.get(Verification, assessment.id)
    if row is None:
        return Standing("self_declared", 1)
    return Standing(row.status, row.revision, row.reviewer_name, row.reviewer_organisation, row.reviewer_role,
                    row.decided_at, row.comment)


def note_respondent(*, session: Session, assessment: Assessment, user) -> None:
    """Remember that a signed-in user saved or submitted answers of an assessment (they may not verify it)."""
    if not getattr(user, "is_authenticated", False):
        return
    if session.get(Respondent, (assessment.id, user.id)) is None:
        session.add(Respondent(assessment_id=assessment.id, user_id=user.id))
        session.commit()


def answered_by(*, session: Session, assessment: Assessment, user) -> bool:
    """Whether a user saved or submitted answers of an assessment."""
    return session.get(Respondent, (assessment.id, user.id)) is not None


def serves(user, enterprise: Enterprise, *, agency_requested: bool) -> bool:
    """Whether a user is one of the enterprise's possible reviewers: its consultant, or, when the enterprise asked
    for it (`agency_requested`), an agency user whose jurisdiction holds it. An agency never opens a single
    enterprise's answers on its own initiative: it sees published statistics."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == "consultant":
        return enterprise.consultant_id is not None and enterprise.consultant_id == user.id
    if user.role == "agency":
        return agency_requested and within_jurisdiction(enterprise.region_code, jurisdiction_of(user))
    return False


def agency_requested(*, session: Session, assessment: Assessment) -> datetime | None:
    """When the enterprise asked an agency of its region to verify this assessment, or None."""
    row = session.get(Verification, assessment.id)
    return None if row is None else row.agency_requested_at


def request_agency_review(*, session: Session, assessment: Assessment, user: User, address: str = "") -> datetime:
    """Record that the enterprise (its user, `user`) asks the agencies of its region to verify this submitted
    assessment; from then on they may open its answers to review them."""
    if assessment.status != "submitted":
        raise ReviewRefused("only a submitted assessment can be verified")
    row = session.get(Verification, assessment.id) or Verification(assessment_id=assessment.id)
    if row.agency_requested_at is None:
        row.agency_requested_at = utcnow()
        session.add(row)
        session.commit()
        audit(session=session, user=user, action="agency_asked", enterprise_id=assessment.enterprise_id,
              assessment_id=assessment.id, address=address)
    return row.agency_requested_at


def withdraw_agency_review(*, session: Session, assessment: Assessment, user: User, address: str = "") -> None:
    """The enterprise takes its request back: agencies no longer open this assessment's answers (a sign-off already
    given stays, as it was given)."""
    row = session.get(Verification, assessment.id)
    if row is not None and row.agency_requested_at is not None:
        row.agency_requested_at = None
        session.add(row)
        session.commit()
        audit(session=session, user=user, action="agency_withdrawn", enterprise_id=assessment.enterprise_id,
              assessment_id=assessment.id, address=address)


def may_review(*, session: Session, user, assessment: Assessment) -> bool:
    """Whether a user may review this assessment now: serves its enterprise, did not answer it, and it is submitted."""
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    requested = agency_requested(session=session, assessment=assessment) is not None
    return (enterprise is not None and serves(user, enterprise, agency_requested=requested)
            and assessment.status == "submitted" and not answered_by(session=session, assessment=assessment, user=user))


def decisions(*, session: Session, assessment: Assessment, revision: int | None = None) -> dict[str, AnswerReview]:
    """The decisions on the answers of a revision (the current one unless named), by question."""
    if revision is None:
        revision = standing(session=session, assessment=assessment).revision
    rows = session.exec(select(AnswerReview).where(AnswerReview.assessment_id == assessment.id,
                                                   AnswerReview.revision == revision))
    return {row.question_id: row for row in rows}


def returned_answers(*, session: Session, assessment: Assessment) -> dict[str, AnswerReview]:
    """What the enterprise is shown after a return: the answers returned in the revision it was returned from."""
    row = session.get(Verification, assessment.id)
    if row is None or row.status != "returned":
        return {}
    return {q: d for q, d in decisions(session=session, assessment=assessment, revision=row.revision).items()
            if d.decision == "returned"}


def _check(session: Session, assessment: Assessment, revision: int) -> Verification:
    session.refresh(assessment)
    if assessment.status != "submitted":
        raise ReviewRefused("status")
    row = session.get(Verification, assessment.id) or Verification(assessment_id=assessment.id)
    if revision != row.revision or row.status == "returned":
        raise ReviewRefused("revision")
    return row


def decide(*, session: Session, assessment: Assessment, reviewer: User, revision: int, question_id: str,
           decision: str, comment: str = "", address: str = "") -> AnswerReview:
    """Accept or return one answer of a revision (a returned one needs a comment); audited."""
    row = _check(session, assessment, revision)
    comment = (comment or "").strip()
    if decision not in DECISIONS:
        raise ReviewRefused("question")
    if len(comment) > MAX_COMMENT or (decision == "returned" and not comment):
        raise ReviewRefused("comment")
    if row.status == "verified":
        raise ReviewRefused("status")  # signed off: return the assessment to change anything
    review = session.get(AnswerReview, (assessment.id, revision, question_id)) or AnswerReview(
        assessment_id=assessment.id, revision=revision, question_id=question_id, decision=decision)
    review.decision, review.comment, review.reviewer_id, review.decided_at = decision, comment, reviewer.id, utcnow()
    session.add(review)
    audit(session=session, user=reviewer, action=f"answer_{'accept' if decision == 'accepted' else 'return'}",
          enterprise_id=assessment.enterprise_id, assessment_id=assessment.id,
          detail=f"revision {revision}, {question_id}" + (f": {comment}" if comment else ""), address=address)
    return review


def sign_off(*, session: Session, assessment: Assessment, reviewer: User, revision: int, address: str = ""
             ) -> Verification:
    """Sign a revision off as verified by `reviewer`: its benchmark entry is marked verified; audited."""
    row = _check(session, assessment, revision)
    if row.status == "verified":
        raise ReviewRefused("status")
    if any(d.decision == "returned" for d in decisions(session=session, assessment=assessment,
                                                      revision=revision).values()):
        raise ReviewRefused("returned")
    _decided(row, reviewer, "verified", "")
    session.add(row)
    _mark_entry(session, assessment, True)
    audit(session=session, user=reviewer, action="sign_off", enterprise_id=assessment.enterprise_id,
          assessment_id=assessment.id, detail=f"revision {revision} verified", address=address)
    return row


def return_to_enterprise(*, session: Session, assessment: Assessment, reviewer: User, revision: int,
                         comment: str = "", address: str = "") -> Verification:
    """Return a revision to the enterprise, which may revise and resubmit it (it is a draft again); audited."""
    row = _check(session, assessment, revision)
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ReviewRefused("comment")
    _decided(row, reviewer, "returned", comment)
    session.add(row)
    _mark_entry(session, assessment, False)
    session.execute(update(Assessment).where(Assessment.id == assessment.id).values(status="draft"))
    audit(session=session, user=reviewer, action="return", enterprise_id=assessment.enterprise_id,
          assessment_id=assessment.id, detail=f"revision {revision} returned" + (f": {comment}" if comment else ""),
          address=address)  # fmt: skip
    session.refresh(assessment)
    return row


def note_resubmission(*, session: Session, assessment: Assessment, user=None, address: str = "") -> bool:
    """After a submission: a returned assessment starts a new, self-declared revision that needs a new review (and
    its benchmark entry is no longer verified). True when it was a resubmission; audited."""
    row = session.get(Verification, assessment.id)
    if row is None or row.status != "returned":
        return False
    row.revision += 1
    row.status, row.reviewer_id, row.reviewer_name, row.reviewer_organisation = "self_declared", None, "", ""
    row.reviewer_role, row.decided_at, row.comment = "", None, ""
    session.add(row)
    _mark_entry(session, assessment, False)
    audit(session=session, user=user if getattr(user, "is_authenticated", False) else None, action="resubmit",
          enterprise_id=assessment.enterprise_id, assessment_id=assessment.id,
          detail=f"revision {row.revision} submitted", address=address)  # fmt: skip
    return True


def _decided(row: Verification, reviewer: User, status: str, comment: str) -> None:
    row.status, row.reviewer_id, row.decided_at, row.comment = status, reviewer.id, utcnow(), comment
    row.reviewer_name = (reviewer.name or reviewer.email)[:254]
    row.reviewer_role = reviewer.role
    row.reviewer_organisation = (reviewer.brand_name if reviewer.role == "consultant"
                                 else reviewer.jurisdiction or "")[:120]


def _mark_entry(session: Session, assessment: Assessment, verified: bool) -> None:
    """Set the verified flag of the benchmark entry this assessment is (if it is its enterprise's entry)."""
    session.execute(update(BenchmarkEntry).where(BenchmarkEntry.assessment_id == assessment.id)
                    .values(verified=verified))


def review_queue(*, session: Session, user, limit: int = 200) -> list[tuple[Assessment, Enterprise, Standing]]:
    """The submitted assessments a user may review, the latest first, with where each stands."""
    if getattr(user, "role", None) not in ("consultant", "agency"):
        return []
    query = (select(Assessment, Enterprise).join(Enterprise, Enterprise.id == Assessment.enterprise_id)
             .where(Assessment.status == "submitted").order_by(Assessment.submitted_at.desc()))
    if user.role == "consultant":
        query = query.where(Enterprise.consultant_id == user.id)
    found = []
    for assessment, enterprise in session.exec(query.limit(limit * 5)):
        requested = agency_requested(session=session, assessment=assessment) is not None
        if (serves(user, enterprise, agency_requested=requested)
                and not answered_by(session=session, assessment=assessment, user=user)):
            found.append((assessment, enterprise, standing(session=session, assessment=assessment)))
        if len(found) >= limit:
            break
    return found
