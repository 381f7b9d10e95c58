"""Serving in production: gunicorn with several workers on the test database, and the refusal of a placeholder secret
key."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from app import ConfigurationError, create_app
from factories import ROOT, make_app
from web.headers import SECURITY_HEADERS

GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.mark.parametrize("key", ["dev", "change-me", "", None, "short-but-not-a-placeholder"])
def test_production_refuses_a_placeholder_or_short_secret_key(key):
    message = "IMREADY_SECRET_KEY is unset, a placeholder or shorter than 32 characters"
    with pytest.raises(ConfigurationError, match=message):
        create_app({"SECRET_KEY": key}, production=True)


def test_production_sends_the_session_cookie_over_https_only_unless_told(monkeypatch, catalog):
    key, shipped = secrets.token_urlsafe(48), {"QUESTIONNAIRE_CATALOG": catalog}
    assert create_app({"SECRET_KEY": key, **shipped}, production=True).config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("IMREADY_SESSION_COOKIE_SECURE", "false")
    assert create_app({"SECRET_KEY": key, **shipped}, production=True).config["SESSION_COOKIE_SECURE"] is False
    development = create_app({"SECRET_KEY": secrets.token_urlsafe(48), **shipped})
    assert development.config["SESSION_COOKIE_SECURE"] is False  # development: plain HTTP


def test_production_answers_only_for_the_host_of_base_url(database_url, tmp_path):
    """The attack: send requests with `Host: evil.example`, so that whatever the app builds from the host (links,
    redirects, cached pages) points to the attacker. In production any other host gets 400."""
    app = make_app(database_url, tmp_path, PRODUCTION=True, BASE_URL="https://survey.example.org")
    assert app.config["TRUSTED_HOSTS"] == ["survey.example.org"]
    client = app.test_client()
    assert client.get("/", base_url="https://survey.example.org").status_code == 200
    assert client.get("/", base_url="https://survey.example.org:8443").status_code == 200  # the port is not checked
    assert client.get("/", base_url="https://evil.example").status_code == 400
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    named = make_app(database_url, tmp_path, PRODUCTION=True, BASE_URL="https://survey.example.org",
                     TRUSTED_HOSTS=["survey.example.org", "imready.internal"])  # fmt: skip
    assert named.test_client().get("/", base_url="http://imready.internal").status_code == 200
    development = make_app(database_url, tmp_path)
    assert development.config["TRUSTED_HOSTS"] is None  # development answers any host
    assert development.test_client().get("/", base_url="http://evil.example").status_code == 200
    for made in (app, named, development):
        made.extensions["db_engine"].dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn(database_url: str, **env) -> tuple[subprocess.Popen, str]:
    """gunicorn serving wsgi:app with two workers on a free port, as the README says to run it."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": database_url, "IMREADY_BIND": f"127.0.0.1:{port}",
                   "WEB_CONCURRENCY": "2", "IMREADY_SESSION_COOKIE_SECURE": "false", **env}  # fmt: skip
    process = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    return process, f"http://127.0.0.1:{port}"


def test_gunicorn_serves_the_survey_from_several_workers(database_url):
    process, base = gunicorn(database_url, IMREADY_SECRET_KEY=secrets.token_urlsafe(48))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                home = requests.get(base + "/", timeout=60)  # the first request waits for a worker to boot
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert home.status_code == 200
        # the attack: read the Server header to learn which server software (and version) to attack
        assert home.raw.headers.getlist("Server") == ["imready"]
        assert {name: home.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
        browser = requests.Session()
        for _ in range(6):  # one respondent's requests land on either worker; the session holds across them
            start = browser.get(base + "/start/quick_check", timeout=10)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', start.text).group(1)
            profile = {"name": "Gunicorn Works", "region": "370200", "industry": "34", "employees": "120",
                       "revenue": "50", "csrf_token": token}  # fmt: skip
            saved = browser.post(base + "/start/quick_check", data=profile, allow_redirects=False, timeout=10)
            assert saved.status_code == 302 and "/a/" in saved.headers["Location"]
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "Booting worker" in output and output.count("Booting worker") == 2, output


def test_gunicorn_will_not_start_with_the_placeholder_key(database_url):
    process, _ = gunicorn(database_url, IMREADY_SECRET_KEY="dev")
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "IMREADY_SECRET_KEY is unset, a placeholder or shorter than 32 characters" in output
