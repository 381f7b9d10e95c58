"""The API's questionnaires: the versions offered, and one in the export format."""

from __future__ import annotations

from questionnaires.export import export_questionnaire
from web.api import schemas
from web.api.core import ApiError, operation
from web.catalog import get_catalog


@operation("GET", "/questionnaires", summary="The questionnaires offered", response=schemas.QuestionnaireList,
           tag="questionnaires")
def list_questionnaires():
    """The newest version of every questionnaire (the one new assessments use), with the versions kept."""
    catalog = get_catalog()
    return {"questionnaires": [
        {"id": q.id, "version": q.version, "versions": catalog.versions(q.id),
         "title": {"en": q.definition.title.en, "zh": q.definition.title.zh},
         "description": {"en": q.definition.description.en, "zh": q.definition.description.zh},
         "estimated_minutes": q.definition.estimated_minutes, "questions": len(q.questions)}
        for q in catalog.latest()]}


@operation("GET", "/questionnaires/<questionnaire_id>", summary="One questionnaire, in the export format",
           response=schemas.Questionnaire, query=schemas.VersionQuery, errors=(404,), tag="questionnaires")
def get_questionnaire(questionnaire_id: str, query: schemas.VersionQuery):
    """Pages, questions, scales, bands and the scoring tree, as `flask questionnaires export` prints them."""
    questionnaire = get_catalog().get(questionnaire_id, query.version)
    if questionnaire is None:
        versions = get_catalog().versions(questionnaire_id)
        message = (f"Questionnaire '{questionnaire_id}' has no version {query.version}; it has "
                   f"{', '.join(versions)}." if versions else f"There is no questionnaire '{questionnaire_id}'.")
        raise ApiError(404, message)
    return export_questionnaire(questionnaire)
