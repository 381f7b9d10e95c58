"""The questionnaires an app serves, loaded once at start; a malformed file stops the app from starting."""

from __future__ import annotations

import click
from flask import Flask, abort, current_app

from questionnaires.catalog import Catalog
from questionnaires.loader import Questionnaire, QuestionnaireError


def _running_questionnaire_check() -> bool:
    """True while the Flask CLI builds the app for `questionnaires check`, which reports bad files itself."""
    context = click.get_current_context(silent=True)
    words = list(context.args) if context is not None else []
    return words[:2] == ["questionnaires", "check"]


def init_app(app: Flask) -> None:
    """Load every questionnaire file; refuse to start (raise) on a malformed one."""
    try:
        app.extensions["questionnaires"] = Catalog.load(app.config["QUESTIONNAIRE_DIR"])
    except QuestionnaireError:
        if not _running_questionnaire_check():
            raise
        app.extensions["questionnaires"] = Catalog({})


def get_catalog() -> Catalog:
    """The current app's questionnaires."""
    return current_app.extensions["questionnaires"]


def get_questionnaire_or_404(questionnaire_id: str, version: str | None = None) -> Questionnaire:
    """One questionnaire version, or a 404 page."""
    questionnaire = get_catalog().get(questionnaire_id, version)
    if questionnaire is None:
        abort(404)
    return questionnaire
