"""The imready web application: `create_app()` wires configuration, extensions and blueprints."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from assessment import api, cli, db, demo, i18n, reference_data
from assessment.web import (
    access,
    accounts,
    admin,
    agencies,
    batches,
    catalog,
    consultant,
    errors,
    history,
    privacy,
    results,
    roadmap,
    site,
    survey,
    workspace,
)
from reports import cli as reports_cli

ROOT = Path(__file__).resolve().parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure an instance of the app."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev",
        DATABASE_URL=f"sqlite:///{Path(app.instance_path) / 'imready.db'}",
        QUESTIONNAIRE_DIR=str(ROOT / "questionnaires"),
        LANGUAGES=("en", "zh"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        BENCHMARK_MIN_GROUP=5,  # k: no statistic of fewer enterprises is ever shown
        CHROMIUM_PATH=None,  # the browser that draws report charts; None: the first Chromium on PATH
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.config.from_prefixed_env("IMREADY")
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config is not None:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    CSRFProtect(app)
    db.init_app(app)
    i18n.init_app(app)
    catalog.init_app(app)
    cli.init_app(app)
    reports_cli.init_app(app)
    demo.init_app(app)
    reference_data.init_app(app)
    errors.init_app(app)
    access.init_app(app)
    api.init_app(app)  # after CSRFProtect: the token-authenticated API is exempt from CSRF
    blueprints = (site, survey, results, roadmap, agencies, batches, accounts, admin, workspace, privacy, history,
                  consultant, api)
    for module in blueprints:
        app.register_blueprint(module.bp)
    return app
