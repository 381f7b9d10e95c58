"""Who may see which enterprise's own data: an enterprise user its own, a consultant its clients, an administrator
all; an agency analyst none (it sees aggregates, and only of the regions of its jurisdiction)."""

from __future__ import annotations

from sqlmodel import Session, select

from assessment.classifications import load_regions
from storage.tables import Enterprise


def can_see_enterprise(user, enterprise: Enterprise) -> bool:
    """Whether a signed-in user may see one enterprise's own data."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == "admin":
        return True
    if user.role == "enterprise":
        return user.enterprise_id == enterprise.id
    if user.role == "consultant":
        return enterprise.consultant_id == user.id
    return False  # agency analysts see aggregates only


def visible_enterprises(*, session: Session, user) -> list[Enterprise]:
    """The enterprises whose own data a user may see: its own, a consultant's clients, all for an administrator."""
    query = select(Enterprise).order_by(Enterprise.name)
    if user.role == "enterprise":
        if user.enterprise_id is None:
            return []
        query = query.where(Enterprise.id == user.enterprise_id)
    elif user.role == "consultant":
        query = query.where(Enterprise.consultant_id == user.id)
    elif user.role != "admin":
        return []
    return list(session.exec(query.limit(500)))


def within_jurisdiction(code: str, allowed: str | None) -> bool:
    """Whether a region lies in the allowed region (itself or below it)."""
    if allowed is None:
        return True
    return code in load_regions() and any(region.code == allowed for region in load_regions().path(code))


def jurisdiction_of(user) -> str | None:
    """The region an agency analyst may see (itself and below); None: the whole country, as for administrators.
    Only agency analysts are limited: the pages and the API both ask this."""
    if getattr(user, "role", None) == "agency" and user.jurisdiction != load_regions().country.code:
        return user.jurisdiction
    return None


def acts_for_enterprise(user, enterprise: Enterprise) -> bool:
    """Whether a signed-in user holds the enterprise's own rights over its data (export, deletion, benchmark
    consent, inviting its users): its own enterprise users and administrators; never its consultant."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role == "admin" or (user.role == "enterprise" and user.enterprise_id == enterprise.id)
