"""Test-data factories and respondent actions, in one place for every test module."""

from __future__ import annotations

import functools
import os
import re
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


K = 5  # k, the smallest group a statistic is shown for: every test app's BENCHMARK_MIN_GROUP (the app's default)


@functools.cache
def shipped_catalog():
    """The shipped questionnaires, loaded once per test session; a `Catalog` is read-only, so every app shares it."""
    from questionnaires.catalog import Catalog

    return Catalog.load(ROOT / "questionnaires")


def make_app(url: str, instance, **config):
    """The app for tests on the database at `url`, with its instance folder at `instance`: k = K, the shipped
    questionnaires (the session's one catalog, unless `config` names a QUESTIONNAIRE_DIR), `config` on top."""
    from app import create_app

    defaults = {"TESTING": True, "SECRET_KEY": secrets.token_urlsafe(32), "DATABASE_URL": url, "BENCHMARK_MIN_GROUP": K,
                "QUEUE_IMMEDIATE": True}  # queued work runs at once, in the test's process (tests/jobs run real queues)
    if "QUESTIONNAIRE_DIR" not in config:
        defaults["QUESTIONNAIRE_CATALOG"] = shipped_catalog()
    app = create_app({**defaults, **config})
    app.instance_path = str(instance)
    return app


def on_demo_population(count: int, seed: int):
    """Run a test (a decorator) or a module's tests (its `pytestmark`) on a copy of `count` synthetic quick-check
    enterprises drawn with `seed` instead of an empty database: `database_url`, so `app`, `client`, `survey`... See
    conftest's `demo_population`."""
    import pytest

    return pytest.mark.parametrize("database_url", [pytest.param((count, seed), id=f"demo-{count}-{seed}")],
                                   indirect=True)  # fmt: skip


@contextmanager
def database_copy(template, folder: Path) -> Iterator[tuple[tuple, str]]:
    """A fresh copy of a template database, dropped on leaving; yields the copy and its URL.

    A template is ("sqlite", path) or ("postgresql", name) on the server of IMREADY_TEST_DATABASE_URL, as conftest's
    `database_template` gives; the copy is one too, so it can be copied in turn. Nothing may be connected to a
    PostgreSQL template while it is copied."""
    kind, source = template
    if kind == "sqlite":
        path = folder / f"imready-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(source, path)
        yield ("sqlite", path), f"sqlite:///{path}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    server_url = os.environ["IMREADY_TEST_DATABASE_URL"]
    name = f"imready_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        yield ("postgresql", name), make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def sign_in_as(app, role: str = "admin", email: str | None = None, **fields):
    """Create a user of `role` in the app's database and make every test client of the app start signed in as it.

    Returns the user. Sign-in itself (form, password, limits) is tested in tests/web/test_accounts.py;
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
                start_session_of(app, flask_session, user)

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


def publish(session, catalog, *, k: int = K, noiseless: bool = True, trigger: str = "command"):
    """Publish a statistics release as `flask benchmarks rebuild` does, and return it.

    With `noiseless` (the default) every entry's noise is set to zero first, so that the release shows the true
    figures and a test can compute them by hand; the perturbation itself is tested with the entries' own noise."""
    import numpy as np
    from sqlalchemy import func, update
    from sqlmodel import select

    from storage.releases import make_release
    from storage.tables import BenchmarkEntry

    if noiseless:
        key = (BenchmarkEntry.questionnaire_id, BenchmarkEntry.period, BenchmarkEntry.enterprise_id)
        for questionnaire_id, period, enterprise_id, width in session.exec(
                select(*key, func.length(BenchmarkEntry.levels))).all():
            session.execute(update(BenchmarkEntry).where(
                BenchmarkEntry.questionnaire_id == questionnaire_id, BenchmarkEntry.period == period,
                BenchmarkEntry.enterprise_id == enterprise_id).values(noise=np.zeros(width, "<f4").tobytes()))
        session.commit()
    return make_release(session=session, catalog=catalog, k=k, trigger=trigger)


def publish_in(app, *, count_anonymous: bool = False, **options):
    """`publish` on the app's database; with `count_anonymous`, the administrator has let anonymous submissions
    (the public survey's, without an account) count first."""
    from sqlmodel import Session

    from storage.settings import COUNT_ANONYMOUS, set_setting

    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        if count_anonymous:
            set_setting(session=session, key=COUNT_ANONYMOUS, value="yes")
        return publish(session, app.extensions["questionnaires"], **options)


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
            start_session_of(app, flask_session, user)
    return client


def start_session_of(app, flask_session, user) -> None:
    """Fill a test client's session as signing in as `user` now does (web.access.start_session): the user, and the
    user's current session epoch, so that signing out or a new password ends it as it ends a real one."""
    from sqlmodel import Session

    from storage.tables import User
    from web.access import SESSION_EPOCH

    with Session(app.extensions["db_engine"]) as session:
        epoch = session.get(User, user.id).session_epoch
    flask_session["_user_id"] = str(user.id)
    flask_session["_fresh"] = True
    flask_session[SESSION_EPOCH] = epoch


def stored_answers(app, token: str) -> dict:
    """The answers stored for one assessment, by question, as JSON values."""
    from sqlmodel import Session, select

    from storage.tables import Assessment, StoredAnswer

    with Session(app.extensions["db_engine"]) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
        rows = session.exec(select(StoredAnswer).where(StoredAnswer.assessment_id == assessment.id))
        return {row.question_id: row.value for row in rows}


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, as pdftotext reads it."""
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def ask_regional_report(client, query_string: str | dict = ""):
    """An analyst's press of the PDF button for a comparison: the page that offers it, then its form (a POST with
    the token). The answer of the POST, or of the page when it refused the comparison."""
    page = client.get("/agencies/report.pdf", query_string=query_string)
    if page.status_code != 200:
        return page
    return client.post("/agencies/report.pdf", query_string=query_string, data={"csrf_token": csrf_token(page.text)})


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


def credit_code(number: int, region: str = "370100") -> str:
    """A well-formed unified social credit code (GB 32100-2015) of a company registered in `region`: 91, the region,
    a nine-digit organisation code made of `number`, and the check character."""
    from assessment.credit_code import check_character

    first17 = f"91{region}{number:09d}"
    return first17 + check_character(first17)


CAMPAIGN_COLUMNS = ("name", "credit_code", "region_code", "industry_code", "size_class", "email")


def campaign_list_csv(rows) -> bytes:
    """A campaign's enterprise list as CSV: the header, then one line per row (a tuple in CAMPAIGN_COLUMNS' order)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CAMPAIGN_COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def drain(app) -> int:
    """Run every task waiting on the app's real queue, as a worker would; how many ran."""
    from jobs.queue import queue

    ran = 0
    with app.app_context():
        while (task := queue.dequeue()) is not None:
            queue.execute(task)
            ran += 1
    return ran
