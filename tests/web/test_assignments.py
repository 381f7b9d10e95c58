"""Several colleagues answer one assessment: the owner (an enterprise user of its enterprise) assigns pages by e-mail,
each colleague answers only their pages through a personal link, and only the owner submits. The attack tests play a
colleague who wants more than their pages, and a stranger who holds a link that no longer works."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from factories import client_as, csrf_token, form_values, make_user, stored_answers
from jobs import mail
from storage.assignments import hash_link
from storage.tables import Assessment, AuditEvent, PageAssignment, PageSave, utcnow
from storage.tokens import create_token

SECRET_PLAN = "Our secret plan: a new MES line in Weifang before the competitors hear of it."
COLLEAGUE = "li.wei@example.org"


@pytest.fixture(autouse=True)
def empty_outbox():
    mail.outbox.clear()


@pytest.fixture
def owned(app, survey, example_answers):
    """A draft quick check started by its enterprise's own user, who answered page 1 (with a secret in its free
    text): the owner's client, the resume token and the assessment id."""
    owner = make_user(app, "enterprise", email="owner@example.org")
    survey.client = client_as(app, owner)  # the new enterprise becomes the owner's (web/survey.link_to_account)
    token = survey.start()
    quick = survey.questionnaire("quick_check")
    first = {}
    for question in quick.dimensions[0].questions:
        first.update(form_values(question, example_answers[question.id]))
    first["sp_obstacle"] = SECRET_PLAN
    assert survey.post_page(token, 1, first, action="exit").status_code == 302
    with Session(app.extensions["db_engine"]) as session:
        assessment_id = session.exec(select(Assessment).where(Assessment.token == token)).one().id
    return survey.client, token, assessment_id


def assign(owner, assessment_id: int, email: str, pages: list[str]):
    """Send the owner's form that assigns pages."""
    url = f"/workspace/assessments/{assessment_id}/assignments"
    return owner.post(url, data={"csrf_token": csrf_token(owner.get(url).text), "email": email, "pages": pages})


def link_mailed_to(address: str) -> str:
    """The path of the last colleague link mailed to `address`."""
    bodies = [message.get_content() for message in mail.outbox if message["To"] == address]
    return re.findall(r"http://127\.0\.0\.1:5000(/colleague/\S+)", bodies[-1])[-1]


@pytest.fixture
def colleague(app, owned):
    """Page 4 (operations) assigned to a colleague: the owner's client, the resume token, the assessment id, and the
    colleague's link (its path) and client (not signed in)."""
    owner, token, assessment_id = owned
    response = assign(owner, assessment_id, COLLEAGUE, ["operations"])
    assert response.status_code == 302, response.text
    return owner, token, assessment_id, link_mailed_to(COLLEAGUE), app.test_client()


def page_post(client, path: str, data: dict, action: str = "next", csrf_from: str | None = None):
    """Post a page's form as a browser would, with a CSRF token read from `csrf_from` (default: the page)."""
    page = client.get(csrf_from or path)
    return client.post(path, data={**data, "action": action, "csrf_token": csrf_token(page.text)})


OPERATIONS = {"op_systems": "2", "op_supply_chain": "system_files"}  # op_platform_apps is hidden: no en_platform yet


def test_the_owner_assigns_pages_and_the_colleague_gets_a_link_by_mail(app, colleague):
    owner, token, assessment_id, link, _client = colleague
    [message] = mail.outbox
    assert message["To"] == COLLEAGUE and "Operations: software, production and supply chain" in message.get_content()
    assert token not in message.get_content()  # the mail carries the colleague's link, never the resume link
    with Session(app.extensions["db_engine"]) as session:
        assignment = session.exec(select(PageAssignment)).one()
        assert assignment.pages == ["operations"] and assignment.token_hash == hash_link(link.split("/")[2])
        details = [event.detail for event in session.exec(select(AuditEvent).where(
            AuditEvent.assessment_id == assessment_id))]  # fmt: skip
    assert f"pages operations assigned to {COLLEAGUE} (assignment {assignment.id})" in details
    overview = owner.get(f"/workspace/assessments/{assessment_id}/assignments").text
    assert COLLEAGUE in overview and "Revoke this link" in overview


def test_the_colleague_sees_and_saves_only_their_page_and_the_owner_sees_who_saved_it(app, colleague):
    owner, token, assessment_id, link, client = colleague
    landing = client.get(link)
    assert landing.status_code == 200
    assert "Operations: software" in landing.text and "Data and security" not in landing.text
    assert re.findall(r'id="open-page-(\d+)"', landing.text) == ["4"]
    secret = link.split("/")[2]
    response = page_post(client, f"/colleague/{secret}/page/4", OPERATIONS)
    # page 4 is the colleague's only (so last) page: "Save and continue" leads back to their list
    assert response.status_code == 302 and response.headers["Location"] == link
    answers = stored_answers(app, token)
    assert answers["op_systems"] == 2 and answers["op_supply_chain"] == "system_files"
    with Session(app.extensions["db_engine"]) as session:
        save = session.exec(select(PageSave)).one()
        event = session.exec(select(AuditEvent).where(AuditEvent.detail.startswith("page operations saved"))).one()
    # 3 of the page's 3 questions: the two posted, and the checklist hidden by its condition, saved empty as the
    # owner's own page saves it
    assert (save.dimension_id, save.answered) == ("operations", 3)
    assert event.user_id is None and COLLEAGUE in event.detail and event.assessment_id == assessment_id
    overview = owner.get(f"/workspace/assessments/{assessment_id}/assignments").text
    row = re.search(r'<tr class="save" data-page="operations">(.*?)</tr>', overview, re.S)[1]
    assert "3 questions answered" in row and save.saved_at.strftime("%Y-%m-%d") in row
    assert re.search(r'id="page-4">.*?3 / 3', overview, re.S)  # the owner's table of pages: 3 of 3 answered
    assert re.search(r'id="page-1">.*?3 / 3', overview, re.S) and re.search(r'id="page-2">.*?0 / 3', overview, re.S)


# ---- attacks


def test_a_colleague_cannot_save_a_page_not_assigned_to_them(app, colleague, example_answers):
    _owner, token, _id, link, client = colleague
    secret = link.split("/")[2]
    before = stored_answers(app, token)
    # a page's form with a valid CSRF token, posted to page 1 (the owner's, holding the secret) and page 2
    for number, data in ((1, {"sp_strategy": "5", "sp_talent": "none", "sp_obstacle": "overwritten"}),
                         (2, {"ds_data": "4", "ds_external_sharing": "written_rules"})):
        response = page_post(client, f"/colleague/{secret}/page/{number}", data,
                             csrf_from=f"/colleague/{secret}/page/4")
        assert response.status_code == 404
        assert client.get(f"/colleague/{secret}/page/{number}").status_code == 404  # nor shown
    assert stored_answers(app, token) == before  # nothing saved: page 1 still holds the secret, page 2 nothing
    # their own page, posted with answers to page 1's questions smuggled in: only page 4's are taken
    response = page_post(client, f"/colleague/{secret}/page/4", {**OPERATIONS, "sp_obstacle": "overwritten",
                                                                  "sp_strategy": "5"})  # fmt: skip
    assert response.status_code == 302
    after = stored_answers(app, token)
    assert {key: after[key] for key in before} == before and after["op_systems"] == 2
    with Session(app.extensions["db_engine"]) as session:
        assert [row.dimension_id for row in session.exec(select(PageSave))] == ["operations"]


def test_a_colleague_cannot_submit(app, colleague, example_answers, survey):
    owner, token, _id, link, client = colleague
    survey.answer_all(token, example_answers)  # every page answered: only a submission is missing
    secret = link.split("/")[2]
    page = client.get(f"/colleague/{secret}/page/4").text
    assert token not in page and "/review" not in page and "/submit" not in page  # no way there is offered
    for path in (f"/a/{secret}/submit", f"/colleague/{secret}/submit", f"/colleague/{secret}/page/4/submit"):
        assert client.post(path, data={"csrf_token": csrf_token(page)}).status_code in (404, 405)
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(Assessment).where(Assessment.token == token)).one().status == "draft"


def test_a_revoked_link_stops_at_once(app, colleague):
    owner, token, assessment_id, link, client = colleague
    secret = link.split("/")[2]
    form_page = client.get(f"/colleague/{secret}/page/4").text  # opened before the revocation
    with Session(app.extensions["db_engine"]) as session:
        assignment_id = session.exec(select(PageAssignment)).one().id
    url = f"/workspace/assessments/{assessment_id}/assignments"
    response = owner.post(f"{url}/{assignment_id}/revoke", data={"csrf_token": csrf_token(owner.get(url).text)})
    assert response.status_code == 302
    assert client.get(link).status_code == 404
    response = client.post(f"/colleague/{secret}/page/4", data={**OPERATIONS, "action": "next",
                                                                 "csrf_token": csrf_token(form_page)})
    assert response.status_code == 404 and "op_systems" not in stored_answers(app, token)
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(AuditEvent).where(
            AuditEvent.detail == f"assignment {assignment_id} of {COLLEAGUE} revoked")).one()  # fmt: skip


def test_an_expired_link_stops(app, colleague):
    _owner, token, _id, link, client = colleague
    secret = link.split("/")[2]
    form_page = client.get(f"/colleague/{secret}/page/4").text
    with Session(app.extensions["db_engine"]) as session:
        assignment = session.exec(select(PageAssignment)).one()
        assignment.expires_at = utcnow() - timedelta(seconds=1)
        session.add(assignment)
        session.commit()
    assert client.get(link).status_code == 404
    response = client.post(f"/colleague/{secret}/page/4", data={**OPERATIONS, "action": "next",
                                                                 "csrf_token": csrf_token(form_page)})
    assert response.status_code == 404 and "op_systems" not in stored_answers(app, token)


def test_a_forged_link_opens_nothing(app, colleague):
    _owner, _token, _id, link, client = colleague
    secret = link.split("/")[2]
    with Session(app.extensions["db_engine"]) as session:
        stored_hash = session.exec(select(PageAssignment)).one().token_hash
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for forged in (flipped, stored_hash, "0" * 43):
        assert client.get(f"/colleague/{forged}").status_code == 404
        assert client.get(f"/colleague/{forged}/page/4").status_code == 404


def test_a_colleague_reads_no_other_page_s_answers_anywhere(app, colleague):
    _owner, token, assessment_id, link, client = colleague
    secret = link.split("/")[2]
    seen = [client.get(link), client.get(f"/colleague/{secret}/page/4")]
    # the colleague's link in place of the resume link: results, review, roadmap, the PDF report
    seen += [client.get(f"/a/{secret}{path}") for path in ("", "/results", "/review", "/roadmap", "/page/1")]
    csrf = csrf_token(seen[1].text)
    seen.append(client.post(f"/a/{secret}/report.pdf", data={"csrf_token": csrf}))
    # the API, with the link as its bearer token
    seen += [client.get(f"/api/v1/assessments/{assessment_id}{path}", headers={"Authorization": f"Bearer {secret}"})
             for path in ("", "/result")]  # fmt: skip
    assert [response.status_code for response in seen] == [200, 200] + [404] * 6 + [401, 401]
    for response in seen:
        assert SECRET_PLAN not in response.text and token not in response.text
    # and an API token of another account sees nothing of the enterprise
    stranger = make_user(app, "enterprise", email="stranger@example.org")
    with Session(app.extensions["db_engine"]) as session:
        api_token = create_token(session=session, user=stranger, name="probe")
    response = client.get(f"/api/v1/assessments/{assessment_id}", headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 404 and SECRET_PLAN not in response.text


def test_only_the_owner_assigns_and_revokes(app, colleague, survey):
    _owner, _token, assessment_id, _link, _client = colleague
    other_owner = make_user(app, "enterprise", email="other@example.org")
    survey.client = client_as(app, other_owner)
    survey.start(name="Zibo Steel")  # other_owner now owns an enterprise of its own
    with Session(app.extensions["db_engine"]) as session:
        assignment_id = session.exec(select(PageAssignment)).one().id
    url = f"/workspace/assessments/{assessment_id}/assignments"
    for user in (other_owner, make_user(app, "enterprise", email="nobody@example.org")):
        stranger = client_as(app, user)
        csrf = csrf_token(stranger.get("/workspace/").text)
        assert stranger.get(url).status_code == 404
        assert stranger.post(url, data={"csrf_token": csrf, "email": "me@evil.example",
                                        "pages": ["strategy_people"]}).status_code == 404  # fmt: skip
        assert stranger.post(f"{url}/{assignment_id}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert [message["To"] for message in mail.outbox] == [COLLEAGUE]
    with Session(app.extensions["db_engine"]) as session:
        assert session.get(PageAssignment, assignment_id).revoked_at is None


def test_a_page_held_by_a_colleague_is_not_assigned_twice(app, colleague):
    owner, _token, assessment_id, _link, _client = colleague
    response = assign(owner, assessment_id, "wang@example.org", ["operations"])
    assert response.status_code == 400 and "already assigned" in response.text
    assert 'value="wang@example.org"' in response.text  # what was typed is kept
    with Session(app.extensions["db_engine"]) as session:
        assert len(session.exec(select(PageAssignment)).all()) == 1
