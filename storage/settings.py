"""Settings an administrator changes in the app, kept in the database so that every worker and command agrees."""

from __future__ import annotations

from sqlmodel import Session

from storage.tables import Setting, utcnow

RELEASE_INTERVAL_DAYS = "release_interval_days"  # 0: releases only when made by hand
COUNT_ANONYMOUS = "count_anonymous"  # "yes": anonymous submissions count in releases too
DEFAULTS = {RELEASE_INTERVAL_DAYS: "0", COUNT_ANONYMOUS: "no"}


def get_setting(*, session: Session, key: str) -> str:
    """A setting's value, or its default."""
    found = session.get(Setting, key)
    return found.value if found is not None else DEFAULTS[key]


def set_setting(*, session: Session, key: str, value: str) -> None:
    """Change a setting (committed)."""
    if key not in DEFAULTS:
        raise KeyError(key)
    found = session.get(Setting, key) or Setting(key=key, value=value)
    found.value, found.updated_at = value, utcnow()
    session.add(found)
    session.commit()
