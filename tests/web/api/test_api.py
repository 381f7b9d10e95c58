"""The JSON API under /api/v1: tokens, roles, the assessment flow, results, comparisons, regional statistics and
the OpenAPI document's match with the routes."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete
from sqlmodel import Session, select

from assessment.answers import parse_answers, unanswered
from assessment.scoring import Result, score
from factories import client_as, on_demo_population
from storage.tables import ApiToken, AuditEvent, Enterprise, User
from storage.tokens import create_token

API = "/api/v1"
PROFILE = {"name": "Qingdao Precision Parts", "region_code": "370200", "industry_code": "34", "employees": 120,
           "revenue_million_yuan": 50.0}
BAD = ("en_connected_share", 250, "250 is outside the allowed range 0 to 100")


def token_for(app, user) -> str:
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        return create_token(session=session, user=user, name="tests")


class Api:
    """A test client that sends one user's token."""

    def __init__(self, app, token: str | None):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kwargs):
        return self.client.get(API + path, headers=self.headers, **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return self.client.post(API + path, json=json, headers=self.headers, buffered=True, **kwargs)

    def put(self, path: str, json=None, **kwargs):
        return self.client.put(API + path, json=json, headers=self.headers, **kwargs)


def quick_user(app, role: str, email: str | None = None, **fields) -> User:
    """A user of `role`, made without hashing a password (the API never asks for one)."""
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        user = User(email=email or f"{role}@example.org", password_hash="!", role=role, **fields)
        session.add(user)
        session.commit()
        return user


@pytest.fixture
def users(app):
    return {role: quick_user(app, role, jurisdiction="370000" if role == "agency" else None)
            for role in ("enterprise", "consultant", "agency", "admin")}


@pytest.fixture
def as_role(app, users):
    """role -> an API client with a token of that role's user."""
    return {role: Api(app, token_for(app, user)) for role, user in users.items()}


def quick_check(app):
    return app.extensions["questionnaires"].get("quick_check")


def error_of(response) -> dict:
    return response.get_json()["error"]


# ---- tokens and roles


def test_requests_without_a_valid_token_are_refused(app, users):
    assert Api(app, None).get("/questionnaires").status_code == 401
    response = Api(app, None).get("/questionnaires")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_of(response)["code"] == "unauthorized" and error_of(response)["fields"] == {}
    assert Api(app, "imr_not-a-token").get("/questionnaires").status_code == 401
    assert Api(app, "wrong").get("/questionnaires").status_code == 401
    basic = app.test_client().get(API + "/questionnaires", headers={"Authorization": "Basic YWRtaW46eA=="})
    assert basic.status_code == 401
    # a browser session is no credential for the API
    assert client_as(app, users["admin"]).get(API + "/enterprises").status_code == 401
    token = token_for(app, users["admin"])
    assert Api(app, token).get("/questionnaires").status_code == 200


def test_tokens_are_stored_hashed_and_stop_with_the_account(app, users):
    token = token_for(app, users["consultant"])
    assert Api(app, token).get("/enterprises").status_code == 200
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        row = session.exec(select(ApiToken).where(ApiToken.user_id == users["consultant"].id)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
        assert row.last_used_at is not None and row.name == "tests"
        user = session.get(User, users["consultant"].id)
        user.active = False
        session.add(user)
        session.commit()
    assert Api(app, token).get("/enterprises").status_code == 401
    with Session(app.extensions["db_engine"]) as session:  # a deleted account takes its tokens along
        session.execute(delete(User).where(User.id == users["consultant"].id))
        session.commit()
        assert session.exec(select(ApiToken).where(ApiToken.user_id == users["consultant"].id)).all() == []


def test_the_token_command_prints_a_working_token_once(app, runner, users):
    result = runner.invoke(args=["users", "token", "Consultant@Example.org", "--name", "ERP sync"])
    assert result.exit_code == 0, result.output
    token = next(line for line in result.output.splitlines() if line.startswith("imr_"))
    assert Api(app, token).get("/enterprises").status_code == 200
    assert runner.invoke(args=["users", "token", "nobody@example.org", "--name", "x"]).exit_code != 0


def test_roles_limit_what_a_token_may_do(app, as_role, users):
    assert as_role["agency"].get("/enterprises").status_code == 403
    assert error_of(as_role["agency"].get("/enterprises"))["code"] == "forbidden"
    assert as_role["agency"].post("/enterprises", json=PROFILE).status_code == 403
    assert as_role["enterprise"].get("/regions/statistics").status_code == 403
    assert as_role["consultant"].get("/regions/statistics").status_code == 403
    created = as_role["consultant"].post("/enterprises", json=PROFILE)
    assert created.status_code == 201
    enterprise_id = created.get_json()["id"]
    # another consultant, the enterprise user (not its own) and an unknown id: 404 alike
    other = Api(app, token_for(app, quick_user(app, "consultant", email="other@example.org")))
    assert other.get(f"/enterprises/{enterprise_id}").status_code == 404
    assert as_role["enterprise"].get(f"/enterprises/{enterprise_id}").status_code == 404
    assert other.post("/assessments", json={"enterprise_id": enterprise_id,
                                            "questionnaire_id": "quick_check"}).status_code == 404
    assert as_role["admin"].get(f"/enterprises/{enterprise_id}").status_code == 200
    assert as_role["admin"].get("/enterprises/999999").status_code == 404
    assert as_role["admin"].get(f"/enterprises/{2**31}").status_code == 404
    assert as_role["admin"].get(f"/enterprises/{2**63}").status_code == 404
    assert [e["id"] for e in other.get("/enterprises").get_json()["enterprises"]] == []
    assert [e["id"] for e in as_role["consultant"].get("/enterprises").get_json()["enterprises"]] == [enterprise_id]


def test_errors_are_json_everywhere_under_the_api(app, as_role):
    admin = as_role["admin"]
    missing = admin.get("/no-such-thing")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    wrong_method = admin.client.delete(API + "/enterprises", headers=admin.headers)
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
    assert error_of(wrong_method)["code"] == "method_not_allowed"
    not_json = admin.client.post(API + "/enterprises", data="name=x", headers=admin.headers)
    assert not_json.status_code == 400 and error_of(not_json)["fields"] == {"body": "not JSON"}
    invalid = admin.post("/enterprises", json={**PROFILE, "employees": "many", "region_code": "999999",
                                               "colour": "red"})
    assert invalid.status_code == 400
    assert set(error_of(invalid)["fields"]) == {"employees", "region_code", "colour"}
    assert error_of(invalid)["fields"]["colour"] == "unknown field"
    assert admin.get("/questionnaires/nope").status_code == 404
    assert admin.get("/regions/statistics?lag_level=many").status_code == 400


# ---- the assessment flow


def test_an_enterprise_user_adds_its_own_enterprise_once(app, as_role, users, session):
    first = as_role["enterprise"].post("/enterprises", json=PROFILE)
    assert first.status_code == 201 and first.headers["Location"].endswith(f"/enterprises/{first.get_json()['id']}")
    assert first.get_json()["size_class"] == "small" and first.get_json()["industry_type"] == "discrete"
    assert session.get(User, users["enterprise"].id).enterprise_id == first.get_json()["id"]
    again = as_role["enterprise"].post("/enterprises", json=PROFILE)
    assert again.status_code == 403 and error_of(again)["code"] == "has_enterprise"


def test_create_answer_submit_and_read_the_result(app, as_role, users, example_answers, session):
    consultant = as_role["consultant"]
    questionnaire = quick_check(app)
    enterprise = consultant.post("/enterprises", json=PROFILE).get_json()
    assert enterprise["consultant_id"] == users["consultant"].id
    created = consultant.post("/assessments", json={"enterprise_id": enterprise["id"],
                                                    "questionnaire_id": "quick_check"})
    assert created.status_code == 201, created.get_json()
    assessment = created.get_json()
    assessment_id = assessment["id"]
    assert assessment["status"] == "draft" and assessment["questionnaire_version"] == questionnaire.version
    assert assessment["unanswered"] == unanswered(questionnaire, {})
    unknown = consultant.post("/assessments", json={"enterprise_id": enterprise["id"], "questionnaire_id": "nope"})
    assert unknown.status_code == 404

    # one bad answer among good ones: the bad one is named with the reason, the good ones are saved
    question_id, bad_value, reason = BAD
    first_half = {key: value for key, value in list(example_answers.items())[:8] if key != question_id}
    response = consultant.put(f"/assessments/{assessment_id}/answers",
                              json={"answers": {**first_half, question_id: bad_value}})
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_answers"
    assert error_of(response)["fields"] == {question_id: reason}
    saved = consultant.get(f"/assessments/{assessment_id}").get_json()
    assert saved["answers"] == first_half

    # submitting an incomplete assessment lists what is missing
    incomplete = consultant.post(f"/assessments/{assessment_id}/submit")
    assert incomplete.status_code == 422 and error_of(incomplete)["code"] == "incomplete"
    parsed, _ = parse_answers(questionnaire, first_half, complete=False)
    missing = unanswered(questionnaire, parsed)
    assert list(error_of(incomplete)["fields"]) == missing and missing
    assert set(error_of(incomplete)["fields"].values()) == {"no answer given"}
    assert consultant.get(f"/assessments/{assessment_id}/result").status_code == 404

    # complete it (null clears an answer; a cleared one can be given again) and submit
    assert consultant.put(f"/assessments/{assessment_id}/answers",
                          json={"answers": {"sp_strategy": None}}).get_json()["answers"].get("sp_strategy") is None
    rest = {key: value for key, value in example_answers.items() if key not in first_half}
    done = consultant.put(f"/assessments/{assessment_id}/answers", json={"answers": {**rest, "sp_strategy": 2}})
    assert done.status_code == 200 and done.get_json()["unanswered"] == []
    submitted = consultant.post(f"/assessments/{assessment_id}/submit")
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "submitted"
    assert consultant.post(f"/assessments/{assessment_id}/submit").status_code == 422
    late = consultant.put(f"/assessments/{assessment_id}/answers", json={"answers": {"sp_strategy": 3}})
    assert late.status_code == 422 and error_of(late)["code"] == "already_submitted"

    # the result is what the scoring engine makes of the same answers with the enterprise's profile
    result = consultant.get(f"/assessments/{assessment_id}/result")
    assert result.status_code == 200
    answers, problems = parse_answers(questionnaire, example_answers)
    assert problems == []
    expected = score(questionnaire, answers, profile="discrete").to_dict(questionnaire)
    assert result.get_json() == expected
    # quick check 2.0 by hand (discrete): equipment_network (2·2 + 2 + 0.5·3)/3.5 = 15/7 (platform use yes scores 3
    # with weight 0.5); overall (2 + 2 + 15/7 + 1.75 + 1.5·2)/5.5 = (76.25/7)/5.5 = 1.9805
    assert result.get_json()["overall"]["score"] == 1.9805 and result.get_json()["profile"] == "discrete"
    assert submitted.get_json()["overall_score"] == pytest.approx(76.25 / 7 / 5.5, abs=1e-4)

    detail = consultant.get(f"/enterprises/{enterprise['id']}").get_json()
    assert [a["id"] for a in detail["assessments"]] == [assessment_id]
    assert detail["assessments"][0]["status"] == "submitted"
    # the enterprise user that is not its own, and the agency, see nothing of it
    assert as_role["enterprise"].get(f"/assessments/{assessment_id}/result").status_code == 404
    assert as_role["agency"].get(f"/assessments/{assessment_id}/result").status_code == 403

    events = session.exec(select(AuditEvent).where(AuditEvent.enterprise_id == enterprise["id"])).all()
    assert {(e.action, e.detail) for e in events} >= {
        ("change", "enterprise created by consultant (API)"), ("change", "submitted (API)"),
        ("view", "results (API)"), ("view", "enterprise (API)")}
    assert all(e.user_id == users["consultant"].id for e in events)


def test_answers_to_questions_not_asked_are_refused(app, as_role):
    admin = as_role["admin"]
    enterprise = admin.post("/enterprises", json=PROFILE).get_json()
    assessment = admin.post("/assessments", json={"enterprise_id": enterprise["id"],
                                                  "questionnaire_id": "imready_full"}).get_json()
    questionnaire = app.extensions["questionnaires"].get("imready_full")
    question_id, condition = questionnaire.conditional[0]
    response = admin.put(f"/assessments/{assessment['id']}/answers",
                         json={"answers": {"no_such_question": 1, question_id: "na"}})
    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert fields["no_such_question"] == "no such question in this questionnaire"
    assert question_id in fields and condition.question not in fields


# ---- comparisons and regional statistics


@pytest.fixture
def population(app, monkeypatch):
    """Submissions dated in the second period of the demo population the test runs on (on_demo_population)."""
    monkeypatch.setattr("storage.assessments.utcnow", lambda: datetime(2026, 6, 1, 12, tzinfo=UTC))


def submitted_assessment(client, answers) -> int:
    enterprise = client.post("/enterprises", json=PROFILE).get_json()
    assessment = client.post("/assessments", json={"enterprise_id": enterprise["id"],
                                                   "questionnaire_id": "quick_check"}).get_json()
    assert client.put(f"/assessments/{assessment['id']}/answers", json={"answers": answers}).status_code == 200
    assert client.post(f"/assessments/{assessment['id']}/submit").status_code == 200
    return assessment["id"]


def test_no_comparison_without_a_published_cohort(app, as_role, example_answers):
    assessment_id = submitted_assessment(as_role["consultant"], example_answers)
    response = as_role["consultant"].get(f"/assessments/{assessment_id}/comparison")
    assert response.status_code == 404 and error_of(response)["code"] == "no_cohort"
    assert "5 enterprises" in error_of(response)["message"]


@on_demo_population(120, seed=7)
def test_the_comparison_names_its_cohort_and_ranks_each_score(app, as_role, example_answers, population):
    from storage.statistics import comparison
    from storage.tables import Assessment

    assessment_id = submitted_assessment(as_role["consultant"], example_answers)
    response = as_role["consultant"].get(f"/assessments/{assessment_id}/comparison")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["cohort"]["period"] == 2026 and data["count"] >= app.config["BENCHMARK_MIN_GROUP"]
    assert data["synthetic"] <= data["count"]
    questionnaire = quick_check(app)
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        assessment = session.get(Assessment, assessment_id)
        expected = comparison(session=session, assessment=assessment,
                              result=Result.from_dict(questionnaire, assessment.result), questionnaire=questionnaire)
    assert data["cohort"]["region_code"] == expected.cohort.region_code
    assert (data["kind"]["region"], data["kind"]["industry"], data["kind"]["size"]) == expected.kind
    assert data["count"] == expected.count and len(data["passed"]) == len(expected.passed)
    overall = data["nodes"][questionnaire.overall_node.id]
    # the example answers on quick check 2.0: (2 + 2 + 15/7 + 1.75 + 1.5·2)/5.5 = (76.25/7)/5.5 = 1.9805
    assert overall["score"] == pytest.approx(76.25 / 7 / 5.5, abs=1e-4) and 0 <= overall["rank"] <= 100
    assert overall["q1"] <= overall["median"] <= overall["q3"]
    assert set(data["nodes"]) == set(expected.nodes)


def page_csv(app, user, query: str) -> list[list[str]]:
    """The agencies page's own table (its CSV export) for a query, as that user sees it."""
    response = client_as(app, user).get(f"/agencies/export.csv?{query}")
    assert response.status_code == 200
    lines = response.data.decode("utf-8-sig").split("\r\n\r\n")[0]
    return list(csv.reader(io.StringIO(lines)))


def assert_same_as_page(data: dict, page: list[list[str]]) -> None:
    keys = [column["key"] for column in data["columns"]]
    header, rows = page[0], page[1:]
    assert len(header) >= len(keys)  # the page's columns, then its regional index
    assert [row["region_code"] for row in data["rows"]] == [row[0] for row in rows]
    for row, shown in zip(data["rows"], rows, strict=True):
        for key, text in zip(keys, shown[:len(keys)], strict=True):
            value = row["cells"][key]
            if value is None:
                assert text in ("", row["reason"], row["change_reason"]), (row["region_code"], key, text)
            elif isinstance(value, str):
                assert text == value
            else:
                assert float(text) == pytest.approx(value), (row["region_code"], key)


@on_demo_population(120, seed=7)
def test_regional_statistics_withhold_small_groups_as_the_page_does(app, as_role, users, population):
    query = "q=quick_check&period=2026&industry=discrete"
    response = as_role["admin"].get("/regions/statistics?questionnaire=quick_check&period=2026&industry=discrete")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["k"] == 5 and data["base_period"] is None
    statuses = {row["status"] for row in data["rows"]}
    assert "small" in statuses and "shown" in statuses
    figures = [column["key"] for column in data["columns"] if column["unit"] and column["key"] != "count"]
    for row in data["rows"]:
        if row["status"] in ("small", "complementary"):
            assert all(row["cells"][key] is None for key in figures) and row["cells"]["count"] is None
            assert row["reason"] and set(figures) <= set(row["withheld"])
        else:
            assert row["withheld"] == [] and row["reason"] is None
    assert_same_as_page(data, page_csv(app, users["admin"], query))
    country = next(row for row in data["rows"] if row["region_level"] == "country")
    assert country["status"] == "shown" and country["cells"]["count"] >= 5


@on_demo_population(120, seed=7)
def test_an_agency_token_sees_only_its_jurisdiction(app, as_role, users, population):
    data = as_role["agency"].get("/regions/statistics").get_json()
    codes = [row["region_code"] for row in data["rows"]]
    assert codes[0] == "370000" and all(code.startswith("37") for code in codes) and len(codes) > 1
    assert_same_as_page(data, page_csv(app, users["agency"], ""))
    outside = as_role["agency"].get("/regions/statistics?region=320000")
    assert outside.status_code == 403 and error_of(outside)["code"] == "outside_jurisdiction"
    assert as_role["agency"].get("/regions/statistics?region=100000").status_code == 403
    assert as_role["agency"].get("/regions/statistics?region=370200").status_code == 200
    admin = as_role["admin"].get("/regions/statistics").get_json()
    assert {"320000", "370000", "100000"} <= {row["region_code"] for row in admin["rows"]}
    bad = as_role["admin"].get("/regions/statistics?period=1999&industry=steel&size=huge")
    assert bad.status_code == 400 and set(error_of(bad)["fields"]) == {"period", "industry", "size"}


def test_no_regional_statistics_before_any_submission(app, as_role):
    response = as_role["agency"].get("/regions/statistics")
    assert response.status_code == 404 and error_of(response)["code"] == "no_statistics"


# ---- the OpenAPI document


def test_the_openapi_document_matches_the_routes(app):
    response = app.test_client().get(API + "/openapi.json")  # no token needed
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<int:{argument}>", f"{{{argument}}}").replace(f"<{argument}>", f"{{{argument}}}")
            routed |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, described in item.items():
            for status, answer in described["responses"].items():
                ref = answer["content"]["application/json"]["schema"].get("$ref")
                assert ref is None or ref.split("/")[-1] in schemas, (path, method, status)
            public = described.get("security") == []
            assert public == (path == API + "/openapi.json")
            assert public or "401" in described["responses"]


def test_every_api_enterprise_view_leaves_the_session_alone(app, as_role):
    response = as_role["consultant"].post("/enterprises", json=PROFILE)
    assert response.status_code == 201 and "Set-Cookie" not in response.headers
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(Enterprise)).one().name == PROFILE["name"]
