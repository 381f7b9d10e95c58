"""No known key: the app never signs with a placeholder. A development instance makes a random key once and keeps
it in its instance folder, readable by its owner only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from app import ConfigurationError, create_app, instance_secret_key
from factories import make_app, sign_in_as


def test_a_development_instance_makes_its_key_once_and_keeps_it_private(tmp_path, catalog):
    path = tmp_path / "secret_key"
    first = instance_secret_key(path)
    assert len(first) >= 48 and first not in ("dev", "test")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert instance_secret_key(path) == first  # kept: sessions survive a restart
    assert instance_secret_key(tmp_path / "elsewhere") != first  # another instance, another key


def test_the_app_started_without_a_key_uses_the_instance_key(tmp_path, catalog, monkeypatch):
    monkeypatch.delenv("IMREADY_SECRET_KEY", raising=False)
    app = create_app({"QUESTIONNAIRE_CATALOG": catalog, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    app.extensions["db_engine"].dispose()
    assert app.secret_key == (Path(app.instance_path) / "secret_key").read_text().strip()


@pytest.mark.parametrize("key", ["dev", "test", "change-me"])
def test_a_placeholder_key_is_refused_in_development_too(key, catalog):
    with pytest.raises(ConfigurationError, match="placeholder"):
        create_app({"SECRET_KEY": key, "QUESTIONNAIRE_CATALOG": catalog})


def forged_session_cookie(key: str, data: dict) -> str:
    """A Flask session cookie signed with `key`, as an attacker who knows the key makes it."""
    interface = SecureCookieSessionInterface()
    serializer = URLSafeTimedSerializer(key, salt=interface.salt, serializer=interface.serializer,
                                        signer_kwargs={"key_derivation": interface.key_derivation,
                                                       "digest_method": interface.digest_method})
    return serializer.dumps(data)


def test_a_session_forged_with_the_old_development_key_opens_nothing(database_url, tmp_path):
    """The attack: `make run` served the app with SECRET_KEY "dev"; a cookie {"_user_id": "1"} signed with it opened
    /admin/users. The same cookie now finds a stranger, sent to sign in."""
    app = make_app(database_url, tmp_path, SECRET_KEY=None)
    admin = sign_in_as(app, "admin")
    client = app.test_client()
    assert client.get("/admin/users").status_code == 200  # the real session works
    stranger = app.test_client()
    stranger.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"),
                        forged_session_cookie("dev", {"_user_id": str(admin.id), "_fresh": True}))
    stranger.__class__ = app.test_client_class.__mro__[1]  # a plain client: no session given by the test helper
    response = stranger.get("/admin/users")
    app.extensions["db_engine"].dispose()
    assert response.status_code in (302, 401, 403) and "admin@example.org" not in response.text
