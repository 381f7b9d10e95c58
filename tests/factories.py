"""Test-data factories and respondent actions, in one place for every test module."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
EXAMPLES = ROOT / "questionnaires" / "examples"
MINI = ROOT / "tests" / "data" / "mini.yaml"
# Answers to mini.yaml worked by hand in tests/assessment/test_scoring.py: data 2.5, security 2.5,
# integration 1.65, overall (2·2.5 + 2.5 + 1.65)/4 = 2.2875 with the discrete profile.
MINI_ANSWERS = {
    "data_ladder": 2,
    "data_tools": ["cad", "mes"],
    "sec_ladder": 3,
    "sec_platform": True,
    "sec_share": 30,
    "int_l1": "met",
    "int_l2a": "largely",
    "int_l2b": "partly",
    "int_l3": "met",
    "int_size": "one",
}


def make_app(url: str, instance, **config):
    """The app for tests on the database at `url`, with its instance folder at `instance`; `config` on top."""
    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url, **config})
    app.instance_path = str(instance)
    return app


def sign_in_as(app, role: str = "admin", email: str | None = None, **fields):
    """Create a user of `role` in the app's database and make every test client of the app start signed in as it.

    Returns the user. Sign-in itself (form, password, limits) is tested in tests/assessment/web/test_accounts.py;
    other tests only need to be someone."""
    from flask.testing import FlaskClient
    from sqlmodel import Session

    from storage.accounts import create_user

    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        user = create_user(session=session, email=email or f"{role}@example.org", password="a long test password",
                           role=role, **fields)  # fmt: skip

    class SignedInClient(FlaskClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            with self.session_transaction() as flask_session:
                flask_session["_user_id"] = str(user.id)
                flask_session["_fresh"] = True

    app.test_client_class = SignedInClient
    return user


def result_with(questionnaire, overall: float):
    """A result whose benchmarked scores are all `overall` (paradigms as that share of 100)."""
    from assessment.cohorts.groups import benchmark_nodes
    from assessment.scoring import NodeResult, Result

    nodes = {}
    for node_id in benchmark_nodes(questionnaire):
        node = questionnaire.nodes[node_id]
        value = overall * 20 if node.kind == "paradigm" else overall
        nodes[node_id] = NodeResult(node_id, node.kind, node.rule, value, int(overall), ())
    return Result(questionnaire.id, questionnaire.version, "discrete", nodes, {}, {})


def make_user(app, role: str, email: str | None = None, **fields):
    """A user of `role` in the app's database."""
    from sqlmodel import Session

    from storage.accounts import create_user

    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        return create_user(session=session, email=email or f"{role}@example.org", password="a long test password",
                           role=role, **fields)  # fmt: skip


def client_as(app, user):
    """A test client of the app that starts signed in as `user` (None: not signed in)."""
    from flask.testing import FlaskClient

    client = FlaskClient(app, app.response_class, use_cookies=True)
    if user is not None:
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = str(user.id)
            flask_session["_fresh"] = True
    return client


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def form_values(question, answer) -> dict:
    """The form fields a person fills in for one answer (the JSON answer format of FORMAT.md)."""
    if answer == "na" and question.type in ("multiple", "number"):
        return {f"{question.id}__na": "y"}
    if question.type == "yesno" and answer != "na":
        return {question.id: "yes" if answer else "no"}
    if question.type == "multiple":
        return {question.id: list(answer)}
    return {question.id: str(answer)}


class SurveyActions:
    """What a respondent does, through the real pages and forms (CSRF included)."""

    PROFILE = {"name": "Qingdao Precision Parts", "region": "370200", "industry": "34", "employees": "120",
               "revenue": "50"}

    def __init__(self, client, app):
        self.client = client
        self.app = app

    def questionnaire(self, questionnaire_id: str):
        """The newest version of a shipped questionnaire."""
        return self.app.extensions["questionnaires"].get(questionnaire_id)

    def start(self, questionnaire_id: str = "quick_check", **profile) -> str:
        """Fill in the profile and return the new assessment's token."""
        page = self.client.get(f"/start/{questionnaire_id}")
        data = {**self.PROFILE, **profile, "csrf_token": csrf_token(page.text)}
        response = self.client.post(f"/start/{questionnaire_id}", data=data)
        assert response.status_code == 302, response.text
        return response.headers["Location"].split("/")[2]

    def post_page(self, token: str, number: int, data: dict, action: str = "next"):
        """Post one page's form as a browser would."""
        page = self.client.get(f"/a/{token}/page/{number}")
        return self.client.post(
            f"/a/{token}/page/{number}", data={**data, "action": action, "csrf_token": csrf_token(page.text)}
        )

    def answer_all(self, token: str, answers: dict, questionnaire_id: str = "quick_check") -> None:
        """Answer every page from a JSON answer set, pressing 'Save and continue'."""
        questionnaire = self.questionnaire(questionnaire_id)
        for number, dimension in enumerate(questionnaire.dimensions, start=1):
            data = {}
            for question in dimension.questions:
                if question.id in answers:
                    data.update(form_values(question, answers[question.id]))
            response = self.post_page(token, number, data)
            assert response.status_code == 302, f"page {number} was refused"

    def submit(self, token: str):
        """Press the submit button on the review page (the response is read to the end and closed, as a server does,
        which runs what the app does after responding)."""
        review = self.client.get(f"/a/{token}/review")
        return self.client.post(f"/a/{token}/submit", data={"csrf_token": csrf_token(review.text)}, buffered=True)


def rounded(value):
    """Floats rounded to 9 places, inside any structure: sums taken in another order differ in the last digits."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value
