"""Accounts: creating users, checking passwords, password-reset and e-mail confirmation tokens, ending sessions,
and the audit log. No Flask requests here.

Passwords are hashed with werkzeug's scrypt. A reset link carries a token signed with the app's secret key that
names the user and a fingerprint of the current password hash: it expires after `RESET_MAX_AGE` seconds and stops
working as soon as the password changes, so it can be used once. A confirmation link names the user and the address
it was sent to, and expires after `CONFIRM_MAX_AGE` seconds.

Every session carries the user's `session_epoch` of the moment it signed in; raising the epoch (`end_sessions`, at
sign-out and whenever the password changes) ends every session signed in before.
"""

from __future__ import annotations

import hashlib
import re

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from storage.tables import ROLES, AuditEvent, User, utcnow

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
RESET_MAX_AGE = 3600  # seconds a reset link stays valid
RESET_SALT = "password-reset"
CONFIRM_MAX_AGE = 7 * 24 * 3600  # seconds an e-mail confirmation link stays valid
CONFIRM_SALT = "email-confirmation"
# Checked against when the e-mail is unknown, so that a wrong address takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password of anyone")


class AccountError(ValueError):
    """Input that cannot make or change an account, with the form field it concerns."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def normalise_email(email: str) -> str:
    """E-mail addresses are compared lower-case and without surrounding spaces."""
    return (email or "").strip().lower()


def check_password_rules(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError("password", f"at least {MIN_PASSWORD} characters")


def create_user(*, session: Session, email: str, password: str, role: str = "enterprise", name: str = "",
                enterprise_id: int | None = None, jurisdiction: str | None = None,
                confirmed: bool = False) -> User:  # fmt: skip
    """A new account; raise AccountError for a malformed or taken e-mail, a short password or an unknown role.

    `confirmed`: the address is known to be the person's (the account is made by an administrator, or reached by an
    invitation mailed to it); otherwise it counts as confirmed once the link mailed to it is followed."""
    email = _check_new_account(email=email, password=password, role=role)
    if user_by_email(session=session, email=email) is not None:
        raise AccountError("email", "an account with this e-mail already exists")
    return _add_user(session=session, email=email, password=password, role=role, name=name,
                     enterprise_id=enterprise_id, jurisdiction=jurisdiction, confirmed=confirmed)  # fmt: skip


def register_user(*, session: Session, email: str, password: str, role: str = "enterprise", name: str = "",
                  enterprise_id: int | None = None, confirmed: bool = False) -> User | None:  # fmt: skip
    """A new account as `create_user` makes it, or None when the address has one already: found only after the same
    checks, and in about the same time, so that the answer to a registration cannot tell whether it had."""
    email = _check_new_account(email=email, password=password, role=role)
    if user_by_email(session=session, email=email) is not None:
        generate_password_hash(password)  # the time making the account would take
        return None
    return _add_user(session=session, email=email, password=password, role=role, name=name,
                     enterprise_id=enterprise_id, jurisdiction=None, confirmed=confirmed)  # fmt: skip


def _check_new_account(*, email: str, password: str, role: str) -> str:
    """The normalised e-mail; AccountError for a malformed e-mail, an unknown role or a short password."""
    email = normalise_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        raise AccountError("email", "not an e-mail address")
    if role not in ROLES:
        raise AccountError("role", f"unknown role '{role}'")
    check_password_rules(password)
    return email


def _add_user(*, session: Session, email: str, password: str, role: str, name: str, enterprise_id: int | None,
              jurisdiction: str | None, confirmed: bool) -> User:  # fmt: skip
    user = User(email=email, name=name.strip()[:120], password_hash=generate_password_hash(password), role=role,
                enterprise_id=enterprise_id, jurisdiction=jurisdiction,
                email_confirmed_at=utcnow() if confirmed else None)  # fmt: skip
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def user_by_email(*, session: Session, email: str) -> User | None:
    """The account with this e-mail address, or None."""
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (in about the same time either way)."""
    user = user_by_email(session=session, email=email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    user.last_sign_in_at = utcnow()
    session.add(user)
    session.commit()
    return user


def set_password(*, session: Session, user: User, password: str) -> None:
    """Change a user's password, which also voids every reset link sent before and ends every session of the user."""
    check_password_rules(password)
    user.password_hash = generate_password_hash(password)
    end_sessions(session=session, user=user)


def end_sessions(*, session: Session, user: User) -> None:
    """End every session the user has signed in: each carries the epoch it began in, which no longer matches."""
    user.session_epoch = (user.session_epoch or 0) + 1
    session.add(user)
    session.commit()


def email_confirmed(user: User) -> bool:
    """Whether the user has shown that the account's e-mail address is theirs."""
    return user.email_confirmed_at is not None


def confirmation_token(secret_key: str, user: User) -> str:
    """A signed token for an e-mail confirmation link, for the address the account has now."""
    return URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT).dumps({"user": user.id, "email": user.email})


def confirm_email(*, session: Session, secret_key: str, token: str, max_age: int = CONFIRM_MAX_AGE) -> User | None:
    """Mark the address of the user a confirmation token was made for as confirmed, and return the user; None when
    the token is forged or expired, or the account is gone, deactivated or has another address now."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    user = session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("email") != user.email:
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        session.add(user)
        session.commit()
    return user


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(secret_key: str, user: User) -> str:
    """A signed token for a password-reset link."""
    return URLSafeTimedSerializer(secret_key, salt=RESET_SALT).dumps({"user": user.id, "p": _fingerprint(user)})


def user_for_reset(*, session: Session, secret_key: str, token: str, max_age: int = RESET_MAX_AGE) -> User | None:
    """The user a reset token was made for, or None when it is forged, expired or already used."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=RESET_SALT).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    user = session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("p") != _fingerprint(user):
        return None
    return user


def audit(*, session: Session, user: User | None, action: str, enterprise_id: int | None = None,
          assessment_id: int | None = None, detail: str = "", address: str = "") -> None:  # fmt: skip
    """Record who did what to which enterprise's data."""
    session.add(AuditEvent(user_id=user.id if user else None, action=action, enterprise_id=enterprise_id,
                           assessment_id=assessment_id, detail=detail[:500], address=address[:64]))  # fmt: skip
    session.commit()
