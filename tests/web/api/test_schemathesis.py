"""Schemathesis against the API in-process (WSGI) with an administrator's token: every operation of the OpenAPI
document gets generated requests, valid and invalid, and no answer may be a server error or stray from the
document (status codes, content types, headers and bodies as documented)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from factories import SurveyActions
from storage.tables import User
from storage.tokens import create_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES = settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def admin_token(app, example_answers) -> str:
    """An administrator's token; there is a draft and a submitted assessment to find (ids 1 and 2)."""
    survey = SurveyActions(app.test_client(), app)
    draft = survey.start()
    survey.post_page(draft, 1, {"sp_strategy": "2"}, action="exit")
    done = survey.start()
    survey.answer_all(done, example_answers)
    survey.submit(done)
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        admin = User(email="admin@example.org", password_hash="!", role="admin")
        session.add(admin)
        session.commit()
        return create_token(session=session, user=admin, name="schemathesis")


def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(app, admin_token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {admin_token}"}
    failures, tested = [], set()
    for found in schema.get_all_operations():
        operation = found.ok()
        names = {parameter.name for parameter in operation.path_parameters}
        # random ids, then (positive only) the ids of the draft and of the submitted assessment and its enterprise
        runs = [(mode, None) for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)]
        runs += [(schemathesis.GenerationMode.POSITIVE, {name: known for name in names}) for known in (1, 2) if names]
        for mode, ids in runs:

            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=ids))
            @EXAMPLES
            def run(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except Exception as error:  # every operation is tried; the failures are reported together
                failures.append(f"{operation.label} ({mode.value}, ids {ids}): {error}")
        tested.add(operation.label)
    documented = {f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items() for method in item}
    assert tested == documented - {"GET /api/v1/openapi.json"}  # Schemathesis leaves out the document itself
    assert failures == [], "\n\n".join(failures)
