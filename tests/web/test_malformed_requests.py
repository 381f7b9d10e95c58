"""Malformed requests everywhere: every form posted with a valid CSRF token and garbage in its fields, too large, as
a broken multipart body or as JSON, or with no token; every page asked with a garbage query string, and every route
with path parameters that overflow. The app answers 2xx, 3xx or 4xx with a message a person can read, never 500,
and stores none of the garbage.

Routes are enumerated from the app's URL map and the fields of each form are read from the pages that hold it, so a
new form or page is covered without touching this file; the roles that may use a route come from test_access.py.
The JSON API's bodies are checked by tests/web/api/test_schemathesis.py; here it only gets the bodies that are not JSON.
"""

from __future__ import annotations

import gc
import io
import json
import re
import traceback
import warnings
from contextlib import contextmanager
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import String, Text
from sqlmodel import Session, SQLModel, func, select
from test_access import API, PUBLIC, RESTRICTED, ROLES

from factories import (
    EXAMPLES,
    SurveyActions,
    client_as,
    database_copy,
    form_values,
    make_app,
    make_user,
    publish_in,
    stored_answers,
)
from storage.accounts import reset_token
from storage.assignments import assign_pages
from storage.campaigns import ListedEnterprise, add_members, create_campaign, member_secret
from storage.evidence import add_link
from storage.invitations import Invitation, invitation_link_token, request_token
from storage.tables import Assessment, CampaignMember, Enterprise, ReportBatch, User
from storage.tokens import create_token
from storage.verification import request_agency_review
from web.api.core import OPERATIONS
from web.campaigns import LIST_ENDPOINT
from web.campaigns import MAX_LIST_BYTES as LIST_LIMIT
from web.evidence import UPLOAD_ENDPOINT, UPLOAD_LIMIT

HUGE = "x" * 100_000
NUMBERS = ["-1", str(10**30), "NaN", "1e309", "-Infinity", "0x10", "1,5", str(2**63), "²", "١٢٣"]
GARBAGE = [HUGE, "not-a-choice", *NUMBERS, "a\x00b", "名字 \u202e ☃", "<script>alert(1)</script>", "  "]
BAD_FILES = [
    (b"\x00\xff\xfe not a spreadsheet", "clients.xlsx"),
    (b"PK\x03\x04\x14\x00\x00\x00 truncated zip", "clients.xlsx"),
    (b"a,b\n\x00,\xff\n", "名字\u202e.csv"),
    (b"\x89PNG\r\n\x1a\n truncated", "x" * 10_000 + ".png"),
    (b"", ""),
]
LONG_QUERY = {"page": "-1", "lang": "xx", "region": "\x00", "q": HUGE, "version": "9.9.9", "t0": str(2**63),
              "t1": "-1", "period": "NaN", "base": "1e309", "enterprise": str(10**30), "user": "-1",
              "next": "//evil.example", "within": "\x00", "industry": "zz", "size": "huge", "lag_level": "1e309",
              "lag_dimensions": "-1", "target": "x", "goal": "x", "name": "\x00"}  # fmt: skip
PREFERENCE = ("admin", "consultant", "enterprise", "agency")  # admin sees everything; then whoever may
FILE_EXTENSIONS = (".pdf", ".xlsx", ".csv", ".zip", ".json", ".js", ".md")
CSRF_MESSAGE = "This form has expired or was not sent from this site."
VALID = {  # fields that make a form acceptable, so that garbage in one other field is what gets refused
    "survey.start": SurveyActions.PROFILE,
    "invitations.new": {"email": "colleague@example.org"},
    "workspace.comment": {"text": "A sound comment."},
    "accounts.register": {"email": "new@example.org", "password": "a long new password",
                          "confirm": "a long new password"},
    "accounts.sign_in": {"email": "admin@example.org", "password": "a long test password"},
    "accounts.reset_request": {"email": "target@example.org"},
    "consultant.branding": {"brand_name": "Consulting Ltd", "brand_colour": "#336699"},
}
ERROR_MARKS = ('class="error"', "flash-error", "flash-warning", 'role="alert"', 'class="problems"')
CONFIG = {"SIGN_IN_LIMIT": "100000 per minute"}
FIRST_QUESTION = "sp_strategy"  # a question of the quick check's first page, which is always shown


# ---- the world: one submitted assessment, one draft, a user per role, each with a signed-in client; every test on
# its own copy of it


@pytest.fixture(scope="module")
def world_template(database_template, tmp_path_factory):
    """The world built once for the module in a database of its own, which is then only copied (`site`): real data
    behind every URL parameter, a user per role, and the forms found on the pages each role sees."""
    folder = tmp_path_factory.mktemp("world")
    with database_copy(database_template, folder) as (template, url):
        app = make_app(url, folder / "instance", **CONFIG)
        survey = SurveyActions(app.test_client(), app)
        answers = json.loads((EXAMPLES / "quick_check_answers.json").read_text(encoding="utf-8"))
        submitted = survey.start()
        survey.answer_all(submitted, answers)
        survey.submit(submitted)
        publish_in(app, count_anonymous=True, k=1)  # statistics, so that the agencies' page offers its report form
        draft = survey.start(name="Draft Works")
        quick = survey.questionnaire("quick_check")
        first = {}
        for question in quick.dimensions[0].questions:
            if question.id in answers:
                first.update(form_values(question, answers[question.id]))
        survey.post_page(draft, 1, first, action="exit")
        users = {role: make_user(app, role, jurisdiction="100000" if role == "agency" else None) for role in ROLES}
        target = make_user(app, "enterprise", email="target@example.org")
        with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
            # The enterprise is no one's client, so that its results page offers the claim form (an enterprise user
            # is not offered it for a consultant's client); administrators are the ones who invite and comment.
            assessment = session.exec(select(Assessment).where(Assessment.token == submitted)).one()
            # the enterprise asked an agency to verify it, so that the agency's review forms show
            request_agency_review(session=session, assessment=assessment, user=users["admin"])
            batch = ReportBatch(settings={}, assessment_ids=[], user_id=users["consultant"].id)
            session.add(batch)
            session.commit()
            tokens = {role: create_token(session=session, user=users[role], name="test") for role in ROLES}
            team = assigned_pages(session, survey.start(name="Team Works"), users["enterprise"], quick)
            # evidence of an answer on the draft's first page, so that its page shows the form that removes it
            draft_assessment = session.exec(select(Assessment).where(Assessment.token == draft)).one()
            evidence = add_link(session=session, assessment=draft_assessment, question_id=FIRST_QUESTION,
                                url="https://example.org/evidence")
            # a consultant's campaign of one listed enterprise, so that its pages and the member's link have values
            campaign = create_campaign(session=session, owner=users["consultant"], name="Clients", period=2026,
                                       questionnaire=quick, deadline=date(2099, 1, 1), reminder_days=[7],
                                       language="en")  # fmt: skip
            listed = ListedEnterprise(row=2, name="Listed Works", credit_code="914403001922038216",
                                      region_code="370100", industry_code="34", industry_type="discrete",
                                      size_class="small", email="listed@example.org")  # fmt: skip
            add_members(session=session, campaign=campaign, listed=[listed], secret_key=app.config["SECRET_KEY"])
            member = session.exec(select(CampaignMember)).one()
            # it answered through its link: the owner's exclude and revise forms show on the campaign's page
            member.assessment_id, member.opened_at = assessment.id, assessment.created_at
            member.started_at = member.submitted_at = assessment.submitted_at
            session.add(member)
            session.commit()
            member_id = member.id
            secret = member_secret(app.config["SECRET_KEY"], campaign.id, listed.credit_code)
        values = {"token": submitted, "batch_id": batch.id, "user_id": target.id, "questionnaire_id": "quick_check",
                  "code": "zh", "number": 1, "filename": "css/app.css", "fmt": "xlsx",
                  "enterprise_id": assessment.enterprise_id, "assessment_id": assessment.id,
                  "link": "not-a-link", "assignment_id": 1,
                  "question_id": FIRST_QUESTION, "evidence_id": evidence.id, "campaign_id": campaign.id,
                  "member_id": member_id, "secret": secret, "job_id": 1, "digest": "0123456789abcdef"}  # fmt: skip
        world = {"app": app, "values": values, "draft": draft, "target": target, "users": users, "team": team,
                 "api_tokens": tokens, "enterprise_id": assessment.enterprise_id}  # fmt: skip
        with patched():
            world["forms"], world["queries"] = discover_forms(with_clients(world))
        app.extensions["db_engine"].dispose()
        del world["app"]
        yield template, world


@pytest.fixture
def site(world_template, tmp_path):
    """The world on this test's own copy of its database: an app, and a signed-in client per role."""
    template, world = world_template
    with database_copy(template, tmp_path) as (_copy, url), patched():
        app = make_app(url, tmp_path / "instance", **CONFIG)
        yield with_clients({**world, "app": app})
        app.extensions["db_engine"].dispose()


def assigned_pages(session, token: str, owner: User, quick) -> dict:
    """A draft of the enterprise user's own enterprise whose page 1 is assigned to a colleague: the values of the
    assignment routes (the owner's page and the colleague's link)."""
    assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
    owner = session.get(User, owner.id)
    owner.enterprise_id = assessment.enterprise_id
    session.add(owner)
    session.commit()
    assignment, link = assign_pages(session=session, assessment=assessment, questionnaire=quick,
                                    email="colleague@example.org", pages=["strategy_people"], by=owner)
    return {"assessment_id": assessment.id, "assignment_id": assignment.id, "link": link}


def with_clients(world) -> dict:
    """The world with a client per role (None: not signed in), and no CSRF token known yet."""
    clients = {role: client_as(world["app"], world["users"][role]) for role in ROLES}
    clients[None] = client_as(world["app"], None)
    return {**world, "clients": clients, "csrf": {}}


@contextmanager
def patched():
    """Requests are checked here, not PDF printing (tests/reports) nor batches run in the background."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("web.roadmap.render_report", lambda *args, **kwargs: type("R", (), {"pdf": b"%PDF"}))
        patch.setattr("reports.regional_report.render_regional_report", lambda *args, **kwargs: b"%PDF")
        patch.setattr("jobs.batches.start", lambda *args, **kwargs: None)
        yield


def role_for(endpoint: str) -> str | None:
    """The role a route is tried as: one that may use it (None: not signed in, for public routes)."""
    allowed = RESTRICTED.get(endpoint) or API.get(endpoint)
    if allowed is None:
        assert endpoint in PUBLIC, f"{endpoint} is declared nowhere in test_access.py"
        return None
    return next(role for role in PREFERENCE if role in allowed)


def url_of(world, rule, **overrides) -> str:
    """The rule's URL filled with real ids and tokens (a draft's token for the survey's pages), or `overrides`."""
    values = dict(world["values"])
    if rule.endpoint.startswith(("survey.", "evidence.")):
        values["token"] = world["draft"]
    elif rule.endpoint == "accounts.reset":  # a fresh link each time: a password changed by garbage spends it
        app = world["app"]
        with Session(app.extensions["db_engine"]) as session:
            values["token"] = reset_token(app.config["SECRET_KEY"], session.get(User, world["target"].id))
    elif rule.endpoint in ("invitations.accept", "invitations.confirm"):  # signed by the administrator
        invitation = Invitation(world["enterprise_id"], "new@example.org", world["users"]["admin"].id)
        sign = invitation_link_token if rule.endpoint == "invitations.accept" else request_token
        values["token"] = sign(world["app"].config["SECRET_KEY"], invitation)
    if rule.endpoint.startswith("assignments.") or rule.endpoint == "survey.colleague_page":
        values.update(world["team"])
    values.update(overrides)
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda match: str(values[match[1]]), rule.rule)


def csrf_of(world, role: str | None) -> str:
    """A valid CSRF token of the role's client."""
    if role not in world["csrf"]:
        page = world["clients"][role].get("/account/sign-in").text
        world["csrf"][role] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    return world["csrf"][role]


def rules(world, method: str, *, api: bool = False):
    """The app's rules that accept `method` (the API's only when `api`), static files left out."""
    for rule in world["app"].url_map.iter_rules():
        if method in rule.methods and rule.endpoint != "static" and rule.endpoint.startswith("api.") == api:
            yield rule


# ---- the fields of every form, read from the pages that show it


class FormReader(HTMLParser):
    """The forms of a page: action, method, enctype, and each named field with its kind, offered values and
    the value a browser would send untouched."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.form: dict | None = None
        self.select: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            method, enctype = attributes.get("method") or "get", attributes.get("enctype") or ""
            self.form = {"action": attributes.get("action") or "", "method": method.lower(),
                         "multipart": "multipart" in enctype, "fields": {}}
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        if tag == "option" and self.select is not None:
            value = attributes.get("value", "")
            self.select["options"].append(value)
            if "selected" in attributes or self.select["default"] is None:
                self.select["default"] = value
            return
        name = attributes.get("name")
        if tag not in ("input", "select", "textarea", "button") or not name:
            return
        kind = attributes.get("type", "text") if tag == "input" else tag
        field = self.form["fields"].setdefault(name, {"kind": kind, "options": [], "default": None, "checked": []})
        if tag == "select":
            self.select = field
        elif kind in ("checkbox", "radio", "button", "submit") or tag == "button":
            field["options"].append(attributes.get("value", "on"))
            if "checked" in attributes:
                field["checked"].append(attributes.get("value", "on"))
        else:
            field["default"] = attributes.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def discover_forms(world) -> tuple[dict[str, dict], dict[str, set[str]]]:
    """Every form of every page (as each role sees it), by the endpoint it goes to: of POST forms their fields
    merged, of GET forms (filters) the names of their fields."""
    app = world["app"]
    adapter = app.url_map.bind("localhost")
    posted: dict[str, dict] = {}
    queries: dict[str, set[str]] = {}
    for rule in rules(world, "GET"):
        if rule.rule.endswith(FILE_EXTENSIONS) or rule.endpoint in ("site.set_language", "invitations.accept"):
            continue
        for role in (None, *ROLES):
            response = world["clients"][role].get(url_of(world, rule))
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            reader = FormReader()
            reader.feed(response.text)
            for form in reader.forms:
                method = form["method"].upper()
                try:
                    endpoint, _arguments = adapter.match(urlsplit(form["action"]).path or url_of(world, rule),
                                                         method=method)  # fmt: skip
                except Exception:  # noqa: BLE001 - a form going elsewhere
                    continue
                if method == "GET":
                    queries.setdefault(endpoint, set()).update(form["fields"])
                    continue
                merged = posted.setdefault(endpoint, {"multipart": False, "fields": {}})
                merged["multipart"] |= form["multipart"]
                for name, field in form["fields"].items():
                    merged["fields"].setdefault(name, field)
    return posted, queries


def baseline(fields: dict) -> dict:
    """What a browser sends for a form left as the page shows it (files left out)."""
    data = {}
    for name, field in fields.items():
        if name == "csrf_token" or field["kind"] == "file":
            continue
        if field["kind"] == "checkbox":
            if field["checked"]:
                data[name] = list(field["checked"])
        elif field["kind"] == "radio":
            if field["checked"]:
                data[name] = field["checked"][0]
        elif field["kind"] in ("button", "submit"):
            data[name] = field["options"][0]
        else:
            data[name] = field["default"] or ""
    return data


# ---- what every answer must look like


def ask(client, where: str, url: str, **options):
    """The response to a request; an exception escaping the app (a 500) fails with where it was raised."""
    try:
        return client.open(url, **options)
    except Exception as error:  # noqa: BLE001 - the test client re-raises what would have been a 500
        frames = [f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
                  for frame in traceback.extract_tb(error.__traceback__) if "/work/main/" in frame.filename
                  and "/.venv/" not in frame.filename][-3:]  # fmt: skip
        raise AssertionError(f"{where}: 500 {type(error).__name__}: {str(error)[:200]} at {frames}") from None


def check(response, where) -> None:
    """2xx, 3xx or 4xx; a 4xx says what is wrong in words, never with a traceback."""
    status = response.status_code
    assert status < 500, f"{where}: {status}"
    text = response.get_data().decode("utf-8", "replace") if response.mimetype.startswith(("text/", "application/j")) \
        else ""  # fmt: skip
    assert "Traceback" not in text, where
    if status >= 400:
        if response.is_json:
            body = response.get_json()
            assert (body.get("error") or {}).get("message"), f"{where}: {status} without a message"
        else:
            main = text.split("<main>", 1)[-1].split("</main>", 1)[0]
            words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip()
            assert len(words) >= 15, f"{where}: {status} without a message: {text[:300]!r}"
    response.close()


def check_form_answer(response, where) -> None:
    """`check`, and a form shown again after garbage says what is wrong."""
    html = response.mimetype == "text/html" and response.status_code < 300
    text = response.text if html else ""
    check(response, where)
    if html:
        assert any(mark in text for mark in ERROR_MARKS), f"{where}: shown again with no error message"


def counts(app) -> dict[str, int]:
    """How many enterprises, users and assessments are stored."""
    with Session(app.extensions["db_engine"]) as session:
        return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                for model in (Enterprise, User)}


def assert_no_garbage_stored(app) -> None:
    """No text in the database holds a NUL character or 100,000 characters of garbage."""
    engine = app.extensions["db_engine"]
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            columns = [column for column in table.columns if isinstance(column.type, String | Text)
                       or column.type.__class__.__name__ == "JSON"]  # fmt: skip
            if not columns:
                continue
            for row in connection.execute(sqlalchemy.select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    text = value if isinstance(value, str) else json.dumps(value)
                    assert "\x00" not in text and "\\u0000" not in text, f"NUL stored in {table.name}.{column.name}"
                    assert HUGE not in text, f"100,000 characters stored in {table.name}.{column.name}"


# ---- forms with a valid CSRF token and garbage in their fields


def garbage_cases(endpoint: str, fields: dict, multipart: bool):
    """(name, data) of the garbage to post to a form with these fields."""
    names = [name for name in fields if name != "csrf_token"]  # file fields too: a text where a file belongs
    files = [name for name, field in fields.items() if field["kind"] == "file"]
    for value in GARBAGE:
        # at most 15 huge fields: a body under MAX_CONTENT_LENGTH
        yield f"every field {value[:20]!r}", {name: value for name in names[: 15 if value is HUGE else None]}
    yield "a list for every value", {name: ["1", "not-a-choice"] for name in names}
    yield "missing fields", {}
    start = {**baseline(fields), **VALID.get(endpoint, {})}
    for name in names:
        for value in (HUGE, "a\x00b", str(10**30), "NaN", "not-a-choice", ["-1", "1e309"]):
            yield f"{name}={str(value)[:20]!r}", {**start, name: value}
    for name in files:
        for content, filename in BAD_FILES:
            yield f"file {name}={filename[:20]!r}", {**start, name: (io.BytesIO(content), filename)}
    if multipart and not files:
        yield "multipart", {**start, "extra": (io.BytesIO(b"\xff"), "x.bin")}


def invalid_answer(question, value) -> bool:
    """Whether a value posted for a question is garbage no answer may be stored from (empty clears an answer)."""
    if question is None or isinstance(value, list) or not str(value).strip():
        return False
    if question.type == "text":
        return "\x00" in value or len(value) > question.max_length
    return value not in ("-1", "0x10", "1,5", "١٢٣") or question.type != "number"


def post_rules(world):
    """(rule, role, fields, multipart) of every form route, with the fields of the pages that show its form."""
    for rule in rules(world, "POST"):
        form = world["forms"].get(rule.endpoint, {"multipart": False, "fields": {}})
        yield rule, role_for(rule.endpoint), form["fields"], form["multipart"]


def test_every_form_route_has_its_form_found(site):
    missing = [rule.endpoint for rule, _role, fields, _multipart in post_rules(site) if not fields]
    assert missing == [], "no page shows a form posting to these routes; add the page's data to `site`"


@pytest.mark.slow
def test_garbage_fields_are_refused_with_a_message(site):
    app = site["app"]
    questions = app.extensions["questionnaires"].get("quick_check").questions
    failures = []
    for rule, role, fields, multipart in post_rules(site):
        client, token = site["clients"][role], csrf_of(site, role)
        for case, data in garbage_cases(rule.endpoint, fields, multipart):
            before = counts(app), stored_answers(app, site["draft"])
            url = url_of(site, rule)
            try:
                response = ask(client, f"{rule.endpoint} {case}", url, method="POST",
                               data={**data, "csrf_token": token})
                check_form_answer(response, f"{rule.endpoint} {case}")
                after = counts(app), stored_answers(app, site["draft"])
                if rule.endpoint == "survey.start":  # any text is a name; the rest must be refused
                    stored = after[0] != before[0]
                    assert stored == (response.status_code == 302), f"{rule.endpoint} {case}: stored {stored}"
                    assert not stored or case.startswith("name="), f"{rule.endpoint} {case}: enterprise stored"
                elif rule.endpoint != "history.assess_again":
                    assert after[0]["Enterprise"] == before[0]["Enterprise"], f"{rule.endpoint} {case}"
                if rule.endpoint == "survey.page":
                    for question_id, value in data.items():
                        if question_id not in before[1] or not invalid_answer(questions.get(question_id), value):
                            continue
                        assert after[1].get(question_id) == before[1][question_id], f"{case}: answer changed"
            except AssertionError as error:
                failures.append(str(error))
    assert_no_garbage_stored(app)
    assert not failures, "\n".join(failures)


def test_invalid_utf8_is_refused_or_replaced(site):
    failures = []
    for rule, role, fields, _multipart in post_rules(site):
        names = [name for name in fields if name != "csrf_token"] or ["text"]
        body = f"csrf_token={csrf_of(site, role)}&".encode() + b"&".join(
            name.encode() + b"=%FF%FE\xff\xc3\x28" for name in names)
        try:
            response = ask(site["clients"][role], f"{rule.endpoint} invalid UTF-8", url_of(site, rule), method="POST",
                           data=body, content_type="application/x-www-form-urlencoded")
            check_form_answer(response, f"{rule.endpoint} invalid UTF-8")
        except AssertionError as error:
            failures.append(str(error))
    assert_no_garbage_stored(site["app"])
    assert not failures, "\n".join(failures)


# ---- bodies that are too large, broken, of the wrong type, or without a CSRF token


def broken_bodies(token: str):
    """(name, content type, body) of bodies no form sends."""
    boundary = "----imready"
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode()
    yield "multipart with another boundary", f"multipart/form-data; boundary={boundary}", \
        part.replace(boundary.encode(), b"----other")  # fmt: skip
    yield "multipart with no boundary", "multipart/form-data", part
    yield "truncated multipart", f"multipart/form-data; boundary={boundary}", \
        part + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nab'.encode()
    yield "multipart of invalid UTF-8", f"multipart/form-data; boundary={boundary}", \
        part + f'--{boundary}\r\nContent-Disposition: form-data; name="\xff"\r\n\r\n'.encode("latin-1") \
        + b"\xff\xfe\x00\r\n" + f"--{boundary}--\r\n".encode()
    yield "JSON", "application/json", json.dumps({"csrf_token": token, "name": "x"}).encode()
    yield "plain text", "text/plain", b"\xff\xfe garbage"


def test_bodies_too_large_broken_or_of_the_wrong_type(site):
    takes_json = {operation.endpoint for operation in OPERATIONS if operation.body is not None}
    failures = []
    for api in (False, True):
        for rule in [*rules(site, "POST", api=api), *rules(site, "PUT", api=api)]:
            role = role_for(rule.endpoint)
            method = "PUT" if "PUT" in rule.methods else "POST"
            token = csrf_of(site, role)
            headers = {"X-CSRFToken": token}  # a valid token even when the body holds none
            if api:
                headers = {"Authorization": f"Bearer {site['api_tokens'][role]}"}
            client = site["clients"][role]
            url = url_of(site, rule)
            try:
                for content_type in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=b",
                                     "application/json"):
                    where = f"{rule.endpoint} too large ({content_type})"
                    # evidence: 10 MB; a campaign's list of 50,000 enterprises: 16 MB; every other form: 2 MB
                    limits = {UPLOAD_ENDPOINT: UPLOAD_LIMIT, LIST_ENDPOINT: LIST_LIMIT + 64 * 1024}
                    limit = limits.get(rule.endpoint, 2 * 1024 * 1024)
                    body = b"a=" + b"x" * (limit + 1)
                    response = ask(client, where, url, method=method, data=body, content_type=content_type,
                                   headers=headers)
                    if not api:
                        assert response.status_code == 413 and "too large" in response.text, where
                    elif content_type == "application/json" and rule.endpoint in takes_json:
                        assert response.status_code == 413, f"{where}: {response.status_code}"
                    check(response, where)
                for case, content_type, body in broken_bodies(token):
                    with warnings.catch_warnings():  # Werkzeug leaves the file of a truncated part to the collector
                        warnings.simplefilter("ignore", ResourceWarning)
                        response = ask(client, f"{rule.endpoint} {case}", url, method=method, data=body,
                                       content_type=content_type, headers=headers)
                        if case.startswith("truncated"):
                            gc.collect()
                    check_form_answer(response, f"{rule.endpoint} {case}")
            except AssertionError as error:
                failures.append(str(error))
    assert_no_garbage_stored(site["app"])
    assert not failures, "\n".join(failures)


def test_a_form_without_its_csrf_token_is_refused_with_the_message(site):
    for rule in rules(site, "POST"):
        role = role_for(rule.endpoint)
        for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": ["a", "b"]}):
            response = site["clients"][role].post(url_of(site, rule), data=data)
            assert response.status_code == 400, (rule.endpoint, data)
            assert CSRF_MESSAGE in response.text, rule.endpoint
            check(response, rule.endpoint)


# ---- pages with garbage query strings, routes with path parameters that overflow


@pytest.mark.slow
def test_garbage_query_strings(site):
    failures = []
    for rule in rules(site, "GET"):
        role = role_for(rule.endpoint)
        asked = site["queries"].get(rule.endpoint, set())  # the fields of the page's own GET forms
        names = {*LONG_QUERY, *asked}
        queries = [LONG_QUERY, "%FF%FE=%FF&next=%00&page=%C3%28&q=%FF"]
        queries += [{name: value for name in names} for value in ("-1", str(2**63), "²", "\x00", "x" * 10_000)]
        queries += [{name: ["-1", "\x00"] for name in names}]
        queries += [{name: value} for name in sorted(asked) for value in ("\x00", str(2**63), "²")]
        for query in queries:
            try:
                response = ask(site["clients"][role], f"{rule.endpoint} ?{str(query)[:80]}", url_of(site, rule),
                               query_string=query)
                check(response, f"{rule.endpoint} ?{str(query)[:80]}")
            except AssertionError as error:
                failures.append(str(error))
    assert not failures, "\n".join(failures)


PATH_VALUES = {"int": [2**31, 2**63, 2**64, 10**30], "str": ["x" * 10_000, "名字☃", "%00", "a%00b", "%FF", "..%2F.."]}


def test_path_parameters_that_overflow(site):
    failures = []
    for api in (False, True):
        for rule in rules(site, "GET", api=api):
            failures += overflow(site, rule, "GET", api)
        for rule in [*rules(site, "POST", api=api), *rules(site, "PUT", api=api)]:
            failures += overflow(site, rule, "PUT" if "PUT" in rule.methods else "POST", api)
    assert not failures, "\n".join(failures)


def overflow(site, rule, method: str, api: bool) -> list[str]:
    """Ask a route with each of its path parameters replaced by values too large, too long or not ASCII."""
    failures = []
    role = role_for(rule.endpoint)
    headers = {"Authorization": f"Bearer {site['api_tokens'][role]}"} if api and role else {}
    data = {} if api or method == "GET" else {"csrf_token": csrf_of(site, role)}
    for argument in rule.arguments:
        kind = "int" if f"<int:{argument}>" in rule.rule else "str"
        if argument == "filename":
            continue
        for value in PATH_VALUES[kind]:
            url = url_of(site, rule, **{argument: value})
            try:
                body = {"json": {}} if api and method != "GET" else {"data": data}
                response = ask(site["clients"][role], f"{rule.endpoint} {argument}={str(value)[:20]}", url,
                               method=method, headers=headers, **body)
                assert response.status_code in (400, 404, 302, 303) or response.status_code < 300, \
                    f"{rule.endpoint} {argument}={str(value)[:20]}: {response.status_code}"  # fmt: skip
                check(response, f"{rule.endpoint} {argument}={str(value)[:20]}")
            except AssertionError as error:
                failures.append(str(error))
    return failures


# ---- properties: whatever a person types into the profile or a page, the answer is a page, never an error
# (the examples of one test share that test's `site`)


text_or_number = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "NaN", "1e309", "-0", "0x1f", "1_000", "١٢٣", "12\x00"]),
)


@settings(max_examples=60, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(profile=st.fixed_dictionaries({name: text_or_number for name in SurveyActions.PROFILE}))
def test_any_profile_is_stored_sound_or_refused_with_a_message(site, profile):
    app = site["app"]
    before = counts(app)["Enterprise"]
    client = site["clients"][None]
    response = ask(client, f"profile {profile!r}", "/start/quick_check", method="POST",
                   data={**profile, "csrf_token": csrf_of(site, None)})
    check_form_answer(response, f"profile {profile!r}")
    after = counts(app)["Enterprise"]
    assert after == before + (response.status_code == 302)
    assert_no_garbage_stored(app)


@settings(max_examples=60, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.data())
def test_any_page_is_saved_sound_or_refused_with_a_message(site, data):
    app = site["app"]
    questionnaire = app.extensions["questionnaires"].get("quick_check")
    number = data.draw(st.integers(min_value=1, max_value=len(questionnaire.dimensions)))
    fields = {}
    for question in questionnaire.dimensions[number - 1].questions:
        fields[question.id] = data.draw(st.one_of(text_or_number, st.lists(text_or_number, max_size=3)))
        fields[question.id + "__na"] = data.draw(st.sampled_from(["", "y", "\x00"]))
    fields["action"] = data.draw(st.sampled_from(["next", "back", "exit", "", "\x00", "submit"]))
    url = f"/a/{site['draft']}/page/{number}"
    response = ask(site["clients"][None], f"page {number} {fields!r}", url, method="POST",
                   data={**fields, "csrf_token": csrf_of(site, None)})
    check_form_answer(response, f"page {number} {fields!r}")
    assert_no_garbage_stored(app)


# ---- the 500s these tests found, spelled out


def test_the_cases_that_were_server_errors(site):
    values, clients = site["values"], site["clients"]
    admin, consultant = clients["admin"], clients["consultant"]
    token = csrf_of(site, "admin")
    # ids beyond the database's integers: no such page, no overflow (SQLite) nor out-of-range error (PostgreSQL)
    assert admin.get(f"/workspace/enterprise/{2**63}/data").status_code == 404
    assert admin.get(f"/admin/audit?enterprise={2**63}&user=²").status_code == 200
    response = admin.post(f"/admin/users/{values['user_id']}", data={"csrf_token": token, "enterprise_id": "²"},
                          follow_redirects=True)  # fmt: skip
    assert "No enterprise has the id ²." in response.text
    response = admin.post("/reports/batches", data={"csrf_token": token, "assessment": ["²", str(2**63)]})
    assert response.status_code == 400 and "Tick at least one enterprise." in response.text
    # a name longer than any enterprise's: SQLite refuses the pattern, which was shown as "database unavailable"
    response = admin.get("/reports/batches", query_string={"name": "x" * 60_000})
    assert "Name: at most 200 characters; no enterprise has a longer name." in response.text
    # a NUL character: PostgreSQL cannot store it nor look it up
    response = admin.post(f"/workspace/comment/{values['token']}", data={"csrf_token": token, "text": "a\x00b"})
    assert response.status_code == 400 and "The field “text” holds a NUL character" in response.text
    assert admin.get("/a/a%00b/results").status_code == 404
    # a branding form sent without its file part once a logo is saved
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "#336699").save(png, "PNG")
    data = {"csrf_token": csrf_of(site, "consultant"), "brand_colour": "#336699",
            "brand_logo": (io.BytesIO(png.getvalue()), "logo.png")}
    assert consultant.post("/workspace/clients/branding", data=data).status_code == 302
    response = consultant.post("/workspace/clients/branding", json={}, headers={"X-CSRFToken": data["csrf_token"]})
    check_form_answer(response, "branding without a file part")
    # a report asked for a plan with an unknown target is not printed for another plan
    response = clients[None].post(f"/a/{values['token']}/report.pdf", data={
        "csrf_token": csrf_of(site, None), "language": "en", "brand_colour": "#336699", "target": "nonsense"})
    assert response.status_code == 400 and "nonsense" in response.text  # named, in either language
