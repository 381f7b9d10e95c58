"""Pages of an assessment assigned to colleagues: the owner of a draft assessment (an enterprise user of its
enterprise) gives pages to a colleague by e-mail; the colleague answers them through a personal link. No Flask here.

A link is 32 random bytes, kept only as its SHA-256 (as API tokens are: storage/tokens.py). It opens one assignment,
so one assessment of one enterprise, and only its pages; it works until it expires (LINK_LIFETIME), is revoked, or
the assessment is submitted or moves to another enterprise. A page is held by one working assignment at a time, so
two colleagues never overwrite each other. The colleague never learns the assessment's resume token, which opens
every page, the results and the report.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from questionnaires.loader import Questionnaire
from storage.accounts import EMAIL, normalise_email
from storage.tables import Assessment, PageAssignment, PageSave, User, utcnow

LINK_LIFETIME = timedelta(days=14)  # how long a colleague's link works
LINK_MAX_LENGTH = 100  # longer strings are not links of ours and are not even hashed


class AssignmentRefused(ValueError):
    """Pages cannot be assigned as asked; the message says why (in English, for logs; pages word their own)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason  # "submitted", "email", "no_pages", "unknown_page", "taken"
        self.detail = detail


@dataclass(frozen=True)
class OpenedLink:
    """A working colleague's link: the assignment and the draft assessment it opens."""

    assignment: PageAssignment
    assessment: Assessment


def hash_link(secret: str) -> str:
    """The hex SHA-256 a link's secret is stored as."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    """A stored timestamp with its zone (SQLite hands them back without)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=utcnow().tzinfo)
    return moment


def is_working(assignment: PageAssignment, now: datetime | None = None) -> bool:
    """Whether an assignment's link still works: not revoked and not expired."""
    now = now or utcnow()
    return assignment.revoked_at is None and now < _aware(assignment.expires_at)


def assign_pages(
    *, session: Session, assessment: Assessment, questionnaire: Questionnaire, email: str, pages: Sequence[str],
    by: User, now: datetime | None = None,
) -> tuple[PageAssignment, str]:
    """Assign pages (dimension ids) of a draft assessment to a colleague; returns the assignment and its link's
    secret, which only the mail carries. Refused when the assessment is submitted, the address is not one, no page
    or an unknown page is named, or a page is held by another working assignment."""
    now = now or utcnow()
    if assessment.status != "draft":
        raise AssignmentRefused("submitted")
    email = normalise_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        raise AssignmentRefused("email", email)
    order = [dimension.id for dimension in questionnaire.dimensions]
    unknown = [page for page in pages if page not in order]
    if unknown:
        raise AssignmentRefused("unknown_page", unknown[0])
    if not pages:
        raise AssignmentRefused("no_pages")
    held = held_pages(session=session, assessment=assessment, now=now)
    taken = [page for page in order if page in pages and page in held]
    if taken:
        raise AssignmentRefused("taken", f"{taken[0]} ({held[taken[0]].email})")
    secret = secrets.token_urlsafe(32)
    assignment = PageAssignment(
        assessment_id=assessment.id, enterprise_id=assessment.enterprise_id, email=email,
        pages=[page for page in order if page in pages], token_hash=hash_link(secret), assigned_by=by.id,
        created_at=now, expires_at=now + LINK_LIFETIME,
    )
    session.add(assignment)
    session.commit()
    return assignment, secret


def assignments_of(*, session: Session, assessment: Assessment) -> list[PageAssignment]:
    """Every assignment of an assessment, working or not, oldest first."""
    query = select(PageAssignment).where(PageAssignment.assessment_id == assessment.id).order_by(PageAssignment.id)
    return list(session.exec(query))


def held_pages(*, session: Session, assessment: Assessment, now: datetime | None = None) -> dict[str, PageAssignment]:
    """The pages of an assessment held by a working assignment, with the assignment holding each."""
    return {page: assignment for assignment in assignments_of(session=session, assessment=assessment)
            if is_working(assignment, now) for page in assignment.pages}  # fmt: skip


def open_link(*, session: Session, secret: str, now: datetime | None = None) -> OpenedLink | None:
    """What a colleague's link opens, or None when it is forged, revoked or expired, or its assessment was
    submitted, deleted or moved to another enterprise."""
    if not secret or len(secret) > LINK_MAX_LENGTH:
        return None
    assignment = session.exec(select(PageAssignment).where(PageAssignment.token_hash == hash_link(secret))).first()
    if assignment is None or not is_working(assignment, now):
        return None
    assessment = session.get(Assessment, assignment.assessment_id)
    if assessment is None or assessment.status != "draft" or assessment.enterprise_id != assignment.enterprise_id:
        return None
    return OpenedLink(assignment, assessment)


def revoke(*, session: Session, assignment: PageAssignment, now: datetime | None = None) -> None:
    """Stop an assignment's link at once (its pages may then be assigned again); the saves it made stay."""
    if assignment.revoked_at is None:
        assignment.revoked_at = now or utcnow()
        session.add(assignment)
        session.commit()


def record_save(*, session: Session, assignment: PageAssignment, dimension_id: str, answered: int,
                now: datetime | None = None) -> None:  # fmt: skip
    """Note that the colleague saved a page of theirs, and how many of its questions were then answered."""
    row = session.get(PageSave, (assignment.id, dimension_id))
    if row is None:
        row = PageSave(assignment_id=assignment.id, dimension_id=dimension_id)
    row.saved_at, row.answered = now or utcnow(), answered
    session.add(row)
    session.commit()


def saves_of(*, session: Session, assessment: Assessment) -> dict[int, dict[str, PageSave]]:
    """The pages colleagues saved, by assignment id and dimension id."""
    query = (select(PageSave).join(PageAssignment, PageSave.assignment_id == PageAssignment.id)
             .where(PageAssignment.assessment_id == assessment.id))  # fmt: skip
    saves: dict[int, dict[str, PageSave]] = {}
    for row in session.exec(query):
        saves.setdefault(row.assignment_id, {})[row.dimension_id] = row
    return saves


def may_assign(user, assessment: Assessment) -> bool:
    """Whether a signed-in user owns an assessment's pages: an enterprise user of its enterprise (a consultant, an
    administrator or a colleague does not assign them)."""
    return (getattr(user, "is_authenticated", False) and user.role == "enterprise"
            and user.enterprise_id == assessment.enterprise_id)  # fmt: skip
