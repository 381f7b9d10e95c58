"""The questionnaires an app serves, loaded once at start; a malformed file stops the app from starting."""

from __future__ import annotations

import sys

from flask import Flask, abort, current_app

from questionnaires.catalog import Catalog
from questionnaires.loader import Questionnaire, QuestionnaireError


def _running_questionnaire_check() -> bool:
    """True while `flask ... questionnaires check` builds the app: that command reports bad files itself.

    The Flask CLI must build the app before it can find the command, and click has consumed its arguments by
    then, so the command line is the only place that says which command is coming."""
    words = sys.argv[1:]
    return any(words[i : i + 2] == ["questionnaires", "check"] for i in range(len(words)))


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
