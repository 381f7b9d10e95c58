"""The imready web application: `create_app()` wires configuration, extensions and blueprints."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

import cli
from assessment.cohorts.suppression import MIN_GROUP
from jobs import queue
from storage import db
from storage.demo import synthetic_enterprises
from web import (
    access,
    accounts,
    admin,
    agencies,
    api,
    assignments,
    batches,
    campaigns,
    catalog,
    consultant,
    errors,
    evidence,
    headers,
    history,
    i18n,
    invitations,
    kpis,
    links,
    privacy,
    request_checks,
    results,
    review,
    roadmap,
    site,
    survey,
    workspace,
)

ROOT = Path(__file__).resolve().parent
PLACEHOLDER_SECRET_KEYS = {"", "dev", "change-me", "changeme", "secret", "test"}


class ConfigurationError(RuntimeError):
    """The app is configured in a way it must not run with."""


def create_app(test_config: dict | None = None, *, production: bool | None = None) -> Flask:
    """Create and configure an instance of the app.

    In production (`production=True`, as `wsgi.py` does, or `IMREADY_PRODUCTION=1`) the app refuses to start with
    a placeholder secret key, session cookies are sent over HTTPS only unless configured otherwise, and requests
    for any host but BASE_URL's get 400 unless TRUSTED_HOSTS says otherwise."""
    # IMREADY_INSTANCE_PATH (absolute) moves the instance folder: secret key, SQLite files, reports, evidence
    app = Flask(__name__, instance_relative_config=True, instance_path=os.environ.get("IMREADY_INSTANCE_PATH") or None)
    app.config.from_mapping(
        PRODUCTION=False,
        SECRET_KEY=None,  # None: made once at random and kept in the instance folder (not in production)
        BASE_URL="http://127.0.0.1:5000",  # where the app is reached: links in mails are built from it
        TRUSTED_HOSTS=None,  # Host headers answered; None: any in development, BASE_URL's host in production
        DATABASE_URL=f"sqlite:///{Path(app.instance_path) / 'imready.db'}",
        QUESTIONNAIRE_DIR=str(ROOT / "questionnaires"),
        LANGUAGES=("en", "zh"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        BENCHMARK_MIN_GROUP=MIN_GROUP,  # k: no statistic of fewer enterprises is ever shown
        CHROMIUM_PATH=None,  # the browser that draws report charts; None: the first Chromium on PATH
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PROXY_COUNT=0,  # reverse proxies in front of the app whose X-Forwarded-* headers are trusted
    )
    app.config.from_prefixed_env("IMREADY")
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config is not None:
        app.config.update(test_config)
    if production is not None:
        app.config["PRODUCTION"] = production
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"] and not app.config["PRODUCTION"]:
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path) / "secret_key")
    check_secret_key(app.config["SECRET_KEY"])
    if app.config["PRODUCTION"]:
        cookie_set = "IMREADY_SESSION_COOKIE_SECURE" in os.environ or "SESSION_COOKIE_SECURE" in (test_config or {})
        if not cookie_set:
            app.config["SESSION_COOKIE_SECURE"] = True  # behind HTTPS; say false to serve over plain HTTP
        if app.config["TRUSTED_HOSTS"] is None:
            app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["BASE_URL"]).hostname]
    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    CSRFProtect(app)
    db.init_app(app)
    queue.init_app(app)
    if app.config["PRODUCTION"] and (synthetic := synthetic_enterprises(app.extensions["db_engine"])):
        app.extensions["db_engine"].dispose()
        raise ConfigurationError(f"The database holds {synthetic} synthetic demo enterprises; production does not "
                                 "start with demo data. Use a database without it (make run keeps its own).")
    i18n.init_app(app)
    catalog.init_app(app)
    cli.init_app(app)
    errors.init_app(app)
    links.init_app(app)
    request_checks.init_app(app)
    headers.init_app(app)
    access.init_app(app)
    api.init_app(app)  # after CSRFProtect: the token-authenticated API is exempt from CSRF
    blueprints = (site, survey, results, roadmap, agencies, batches, accounts, admin, workspace, privacy, history,
                  consultant, invitations, evidence, review, api, assignments, kpis, campaigns)
    for module in blueprints:
        app.register_blueprint(module.bp)
    return app



def instance_secret_key(path: Path) -> str:
    """The secret key kept in the instance folder, made at random the first time (readable by its owner only)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def check_secret_key(key) -> None:
    """Refuse a placeholder or short secret key: anyone who knows it can forge sessions and sign in as anybody."""
    key = str(key or "")
    if key.lower() in PLACEHOLDER_SECRET_KEYS or len(key) < 32:
        raise ConfigurationError(
            "IMREADY_SECRET_KEY is unset, a placeholder or shorter than 32 characters; the app will not start with "
            "it (only a development instance makes its own, in instance/secret_key). Set a long random value: "
            "export IMREADY_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
