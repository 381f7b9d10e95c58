"""Invitations to an enterprise's account: who may grant an enterprise user's rights, and the signed links that carry
an invitation or a consultant's request for one. No Flask requests here.

An enterprise user holds the enterprise's own rights over its data (export, deletion, benchmark consent) and may
invite others; a consultant holds none of them. An invitation grants those rights, so only someone who holds them may
sign one: the enterprise's own user or an administrator (`storage.access.acts_for_enterprise`), and the signer must
still hold them when the link is opened. A consultant may only ask: its request goes to the enterprise's own users,
or to the administrators while the enterprise has none, and whoever of them confirms it signs the invitation.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, col, select

from storage.access import acts_for_enterprise
from storage.accounts import normalise_email
from storage.tables import Enterprise, User

MAX_AGE = 14 * 24 * 3600  # seconds an invitation or a request stays valid
INVITATION_SALT = "enterprise-invitation"
REQUEST_SALT = "enterprise-invitation-request"


@dataclass(frozen=True)
class Invitation:
    """An invitation to create an account of an enterprise, or a request for one: who, where, and who signed it."""

    enterprise_id: int
    email: str  # lower-case
    signer_id: int  # who grants the rights (an invitation) or asks for them (a request)


def invitation_link_token(secret_key: str, invitation: Invitation) -> str:
    """The signed token of an invitation link; the signer must act for the enterprise (checked when it is read)."""
    return _dumps(secret_key, INVITATION_SALT, invitation)


def request_token(secret_key: str, invitation: Invitation) -> str:
    """The signed token of a consultant's request, for the enterprise's own users or the administrators."""
    return _dumps(secret_key, REQUEST_SALT, invitation)


def read_invitation(*, session: Session, secret_key: str, token: str, max_age: int = MAX_AGE) -> Invitation | None:
    """The invitation of a link, or None when it is forged, expired, or its signer no longer acts for the enterprise
    (an account deactivated, moved to another enterprise, or deleted)."""
    invitation = _loads(secret_key, INVITATION_SALT, token, max_age)
    if invitation is None:
        return None
    signer = session.get(User, invitation.signer_id)
    enterprise = session.get(Enterprise, invitation.enterprise_id)
    if signer is None or not signer.active or enterprise is None or not acts_for_enterprise(signer, enterprise):
        return None
    return invitation


def read_request(*, secret_key: str, token: str, max_age: int = MAX_AGE) -> Invitation | None:
    """The request of a link, or None when it is forged or expired (whoever confirms it is checked by the caller)."""
    return _loads(secret_key, REQUEST_SALT, token, max_age)


def confirmers(*, session: Session, enterprise: Enterprise) -> list[User]:
    """Who may confirm a consultant's request for an enterprise: its own active users, or the active administrators
    while it has none."""
    active = select(User).where(col(User.active).is_(True)).order_by(User.id)
    own = session.exec(active.where(User.role == "enterprise", User.enterprise_id == enterprise.id)).all()
    return list(own or session.exec(active.where(User.role == "admin")).all())


def _dumps(secret_key: str, salt: str, invitation: Invitation) -> str:
    payload = {"enterprise": invitation.enterprise_id, "email": normalise_email(invitation.email),
               "by": invitation.signer_id}  # fmt: skip
    return URLSafeTimedSerializer(secret_key, salt=salt).dumps(payload)


def _loads(secret_key: str, salt: str, token: str, max_age: int) -> Invitation | None:
    try:
        data = URLSafeTimedSerializer(secret_key, salt=salt).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    enterprise_id, email, signer_id = data.get("enterprise"), data.get("email"), data.get("by")
    if not isinstance(enterprise_id, int) or not isinstance(email, str) or not isinstance(signer_id, int):
        return None
    return Invitation(enterprise_id, email, signer_id)
