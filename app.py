"""The imready web application: `create_app()` wires configuration, extensions and blueprints."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

import cli
from assessment.cohorts.suppression import MIN_GROUP
from storage import db
from web import (
    access,
    accounts,
    admin,
    agencies,
    api,
    batches,
    catalog,
    consultant,
    errors,
    history,
    i18n,
    privacy,
    request_checks,
    results,
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
    a placeholder secret key, and session cookies are sent over HTTPS only unless configured otherwise."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        PRODUCTION=False,
        SECRET_KEY="dev",
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
    if app.config["PRODUCTION"]:
        check_secret_key(app.config["SECRET_KEY"])
        cookie_set = "IMREADY_SESSION_COOKIE_SECURE" in os.environ or "SESSION_COOKIE_SECURE" in (test_config or {})
        if not cookie_set:
            app.config["SESSION_COOKIE_SECURE"] = True  # behind HTTPS; say false to serve over plain HTTP
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    CSRFProtect(app)
    db.init_app(app)
    i18n.init_app(app)
    catalog.init_app(app)
    cli.init_app(app)
    errors.init_app(app)
    request_checks.init_app(app)
    access.init_app(app)
    api.init_app(app)  # after CSRFProtect: the token-authenticated API is exempt from CSRF
    blueprints = (site, survey, results, roadmap, agencies, batches, accounts, admin, workspace, privacy, history,
                  consultant, api)
    for module in blueprints:
        app.register_blueprint(module.bp)
    return app



def check_secret_key(key) -> None:
    """Refuse a placeholder or short secret key: anyone who knows it can forge sessions and sign in as anybody."""
    key = str(key or "")
    if key.lower() in PLACEHOLDER_SECRET_KEYS or len(key) < 32:
        raise ConfigurationError(
            "IMREADY_SECRET_KEY is a placeholder or shorter than 32 characters; the app will not start in production "
            "with it. Set a long random value, for example: "
            "export IMREADY_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
