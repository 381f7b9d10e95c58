"""API tokens: made for a user, shown once, kept only as their SHA-256, and `flask users token EMAIL --name NAME`.

A token is 32 random bytes (URL-safe base64) behind the prefix `imr_`, so that a leaked one is easy to recognise.
Looking a token up by its hash takes the same time whatever the token; a token works while its user is active."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, select

from storage.tables import ApiToken, User, utcnow

PREFIX = "imr_"
NAME_MAX_LENGTH = 120
# last_used_at is written at most this often per token, so that a busy client does not write on every request
USE_RECORDED_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """The hex SHA-256 a token is stored as."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(*, session: Session, user: User, name: str) -> str:
    """A new token for `user`, returned once: only its hash is stored."""
    name = name.strip()
    if not name:
        raise ValueError("a token needs a name")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name[:NAME_MAX_LENGTH], token_hash=hash_token(token)))
    session.commit()
    return token


def user_for_token(*, session: Session, token: str) -> User | None:
    """The active user a token belongs to, or None; records when the token was last used."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    now = utcnow()
    last = row.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite hands timestamps back without their zone
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last >= USE_RECORDED_EVERY:
        row.last_used_at = now
        session.add(row)
        session.commit()
    return user
