"""The questionnaires an app serves, loaded once at start; a malformed file stops the app from starting."""

from __future__ import annotations

from flask import Flask, abort, current_app

from questionnaires.catalog import Catalog
from questionnaires.loader import Questionnaire
from storage.assessments import find_assessment
from storage.db import get_session
from storage.tables import Assessment
from web.i18n import use_assessment_language


def init_app(app: Flask) -> None:
    """Load every questionnaire file of QUESTIONNAIRE_DIR; a malformed one raises `QuestionnaireError`.

    QUESTIONNAIRE_CATALOG, when set, is an already loaded `Catalog` to serve instead (tests share one)."""
    catalog = app.config.get("QUESTIONNAIRE_CATALOG")
    app.extensions["questionnaires"] = catalog or Catalog.load(app.config["QUESTIONNAIRE_DIR"])


def get_catalog() -> Catalog:
    """The current app's questionnaires."""
    return current_app.extensions["questionnaires"]


def get_questionnaire_or_404(questionnaire_id: str, version: str | None = None) -> Questionnaire:
    """One questionnaire version, or a 404 page."""
    questionnaire = get_catalog().get(questionnaire_id, version)
    if questionnaire is None:
        abort(404)
    return questionnaire


def open_assessment(token: str) -> tuple[Assessment, Questionnaire]:
    """The assessment of a resume token with its pinned questionnaire version, or 404; the page speaks the
    assessment's language unless the visitor chose one."""
    assessment = find_assessment(session=get_session(), token=token)
    if assessment is None:
        abort(404)
    use_assessment_language(assessment.language)
    questionnaire = get_catalog().get(assessment.questionnaire_id, assessment.questionnaire_version)
    if questionnaire is None:
        abort(404)
    return assessment, questionnaire
