"""Evidence on survey pages and review with sign-off, through the app's pages: what a respondent and a reviewer do,
and what an attacker tries (a consultant of another enterprise, an agency of another province, the enterprise's own
user, an administrator, someone not signed in, a forged post, a replayed post, a download of another assessment's
file). Each attack is refused and leaves the assessment self-declared with nothing in the audit log."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlmodel import Session, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from factories import EXAMPLES, SurveyActions, client_as, csrf_token, make_user, pdf_text
from storage.tables import Assessment, AuditEvent, Enterprise, Evidence, StoredAnswer
from storage.tokens import create_token

ANSWERS = json.loads((EXAMPLES / "quick_check_answers.json").read_text("utf-8"))
PDF = b"%PDF-1.7\n%%EOF\n"
SIGN_OFF_EVENTS = ("sign_off", "return", "answer_accept", "answer_return")


def db(app) -> Session:
    return Session(app.extensions["db_engine"], expire_on_commit=False)


def assessment_of(app, token: str) -> Assessment:
    with db(app) as session:
        return session.exec(select(Assessment).where(Assessment.token == token)).one()


def review_events(app) -> list[str]:
    with db(app) as session:
        return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))
                if e.action in SIGN_OFF_EVENTS]  # fmt: skip


@pytest.fixture
def world(app):
    """A Qingdao enterprise (370200) that answered the quick check anonymously and submitted it, served by a
    consultant; and everyone else an attack needs."""
    survey = SurveyActions(app.test_client(), app)
    token = survey.start()
    survey.answer_all(token, ANSWERS)
    assert survey.submit(token).status_code == 302
    assessment = assessment_of(app, token)
    people = {
        "consultant": make_user(app, "consultant", "li@consult.example", name="Li Ming"),
        "other consultant": make_user(app, "consultant", "wang@consult.example"),
        "shandong agency": make_user(app, "agency", "sd@agency.example", jurisdiction="370000"),
        "beijing agency": make_user(app, "agency", "bj@agency.example", jurisdiction="110000"),
        "own user": make_user(app, "enterprise", "me@enterprise.example", enterprise_id=assessment.enterprise_id),
        "admin": make_user(app, "admin", "root@imready.example"),
    }
    with db(app) as session:
        enterprise = session.get(Enterprise, assessment.enterprise_id)
        enterprise.consultant_id = people["consultant"].id
        session.add(enterprise)
        session.commit()
    return {"token": token, "assessment": assessment, "people": people, "survey": survey}


def upload(client, url: str, fields: dict, data: bytes, filename: str):
    """Post a form with one file as a browser does (the body encoded in memory: werkzeug's test client would spool
    a large one to a temporary file it never closes)."""
    boundary, body = encode_multipart({**fields, "upload": FileStorage(io.BytesIO(data), filename)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}", buffered=True)


def start_page_token(client) -> str:
    """A valid CSRF token of the client's own session (any page with a form gives one)."""
    return csrf_token(client.get("/start/quick_check").text)


def test_a_consultant_reviews_and_signs_off_and_every_page_says_so(app, world):
    client = client_as(app, world["people"]["consultant"])
    assessment_id = world["assessment"].id
    queue = client.get("/review/").text
    assert f'href="/review/{assessment_id}"' in queue
    page = client.get(f"/review/{assessment_id}")
    assert page.status_code == 200 and 'id="sign-off"' in page.text
    token = csrf_token(page.text)
    accepted = client.post(f"/review/{assessment_id}/answer", data={
        "csrf_token": token, "revision": "1", "question_id": "ds_data", "decision": "accepted"})
    assert accepted.status_code == 302
    assert client.post(f"/review/{assessment_id}/sign-off", data={"csrf_token": token, "revision": "1"}
                       ).status_code == 302
    results = app.test_client().get(f"/a/{world['token']}/results").text
    assert re.search(r'id="standing">Verified by Li Ming, \d{4}-\d{2}-\d{2}<', results)
    assert review_events(app) == ["answer_accept", "sign_off"]
    with db(app) as session:  # the enterprise's own program reads the same through the API
        api_token = create_token(session=session, user=world["people"]["own user"], name="ERP")
    api = app.test_client().get(f"/api/v1/assessments/{assessment_id}",
                                headers={"Authorization": f"Bearer {api_token}"}).get_json()
    assert {k: api["verification"][k] for k in ("status", "revision", "verified_by")} == {
        "status": "verified", "revision": 1, "verified_by": "Li Ming"}
    listed = app.test_client().get(f"/api/v1/enterprises/{world['assessment'].enterprise_id}",
                                   headers={"Authorization": f"Bearer {api_token}"}).get_json()
    assert listed["assessments"][0]["verification"]["status"] == "verified"


ATTACKERS = ["other consultant", "beijing agency", "own user", "admin", None]


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_no_one_outside_the_reviewers_can_see_or_sign_off(app, world, attacker):
    people = world["people"]
    client = client_as(app, people[attacker] if attacker else None)
    assessment_id = world["assessment"].id
    token = start_page_token(client)
    page = client.get(f"/review/{assessment_id}")
    posts = [client.post(f"/review/{assessment_id}/sign-off", data={"csrf_token": token, "revision": "1"}),
             client.post(f"/review/{assessment_id}/answer", data={"csrf_token": token, "revision": "1",
                                                                   "question_id": "ds_data", "decision": "accepted"}),
             client.post(f"/review/{assessment_id}/return", data={"csrf_token": token, "revision": "1"})]
    if attacker is None:  # sent to sign in
        assert {page.status_code, *(p.status_code for p in posts)} == {302}
        assert all("/sign-in" in p.headers["Location"] for p in [page, *posts])
    else:  # other roles are refused by role; reviewers who do not serve it find nothing
        expected = 404 if attacker in ("other consultant", "beijing agency") else 403
        assert {page.status_code, *(p.status_code for p in posts)} == {expected}
    assert review_events(app) == []
    assert "Self-declared" in app.test_client().get(f"/a/{world['token']}/results").text
    assert assessment_of(app, world["token"]).status == "submitted"


def ask_an_agency(app, world) -> None:
    """The enterprise's own user asks the agencies of its region to verify the assessment, from its results page."""
    own = client_as(app, world["people"]["own user"])
    page = own.get(f"/a/{world['token']}/results").text
    assert 'id="request-agency-review"' in page
    response = own.post(f"/review/request/{world['token']}", data={"csrf_token": csrf_token(page), "action": "ask"})
    assert response.status_code == 302


def test_an_agency_opens_no_enterprise_that_did_not_ask(app, world):
    # Agencies publish statistics; a single enterprise's answers are theirs to see only when the enterprise asks.
    analyst = client_as(app, world["people"]["shandong agency"])
    assessment_id = world["assessment"].id
    assert analyst.get(f"/review/{assessment_id}").status_code == 404
    assert f'href="/review/{assessment_id}"' not in analyst.get("/review/").text
    token = start_page_token(analyst)
    assert analyst.post(f"/review/{assessment_id}/sign-off", data={"csrf_token": token, "revision": "1"}
                        ).status_code == 404
    # nobody but the enterprise (or an administrator) can ask on its behalf
    for intruder, expected in (("consultant", 403), ("shandong agency", 403), (None, 302)):
        client = client_as(app, world["people"][intruder] if intruder else None)
        post = client.post(f"/review/request/{world['token']}",
                           data={"csrf_token": start_page_token(client), "action": "ask"})
        assert post.status_code == expected
    other = make_user(app, "enterprise", "other@enterprise.example")  # of no enterprise, or another one
    client = client_as(app, other)
    post = client.post(f"/review/request/{world['token']}", data={"csrf_token": start_page_token(client),
                                                                  "action": "ask"})
    assert post.status_code == 404
    assert analyst.get(f"/review/{assessment_id}").status_code == 404
    ask_an_agency(app, world)
    assert analyst.get(f"/review/{assessment_id}").status_code == 200
    assert client_as(app, world["people"]["beijing agency"]).get(f"/review/{assessment_id}").status_code == 404
    own = client_as(app, world["people"]["own user"])
    page = own.get(f"/a/{world['token']}/results").text
    assert 'id="agency-review-requested"' in page and 'id="request-agency-review"' not in page
    # the enterprise takes its request back: the agency finds nothing again
    assert own.post(f"/review/request/{world['token']}", data={"csrf_token": csrf_token(page), "action": "withdraw"}
                    ).status_code == 302
    assert analyst.get(f"/review/{assessment_id}").status_code == 404
    assert 'id="request-agency-review"' in own.get(f"/a/{world['token']}/results").text
    with db(app) as session:
        asked = [(e.action, e.user_id) for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))
                 if e.action.startswith("agency_")]
    own_id = world["people"]["own user"].id
    assert asked == [("agency_asked", own_id), ("agency_withdrawn", own_id)]


def test_the_agency_of_the_province_may_review(app, world):
    ask_an_agency(app, world)
    client = client_as(app, world["people"]["shandong agency"])
    assessment_id = world["assessment"].id
    token = csrf_token(client.get(f"/review/{assessment_id}").text)
    assert client.post(f"/review/{assessment_id}/sign-off", data={"csrf_token": token, "revision": "1"}
                       ).status_code == 302
    assert "Verified by sd@agency.example (Agency of Shandong" in app.test_client().get(
        f"/a/{world['token']}/results").text  # no name given: the address; the agency named by its jurisdiction


def test_a_consultant_who_answered_for_its_client_cannot_verify_it(app):
    consultant = make_user(app, "consultant", "li@consult.example")
    survey = SurveyActions(client_as(app, consultant), app)
    token = survey.start()  # the consultant's new enterprise becomes its client
    survey.answer_all(token, ANSWERS)
    survey.submit(token)
    assessment_id = assessment_of(app, token).id
    client = client_as(app, consultant)
    assert client.get(f"/review/{assessment_id}").status_code == 404
    assert client.post(f"/review/{assessment_id}/sign-off", data={"csrf_token": start_page_token(client),
                                                                  "revision": "1"}).status_code == 404
    assert f"/review/{assessment_id}" not in client.get("/review/").text
    assert review_events(app) == []


def test_a_forged_post_without_the_reviewer_s_token_is_refused(app, world):
    client = client_as(app, world["people"]["consultant"])
    assessment_id = world["assessment"].id
    assert client.post(f"/review/{assessment_id}/sign-off", data={"revision": "1"}).status_code == 400
    other = client_as(app, world["people"]["other consultant"])  # another session's token is worth nothing here
    assert client.post(f"/review/{assessment_id}/sign-off", data={"revision": "1",
                                                                  "csrf_token": start_page_token(other)}
                       ).status_code == 400
    assert review_events(app) == []


def test_a_sign_off_replayed_after_a_resubmission_is_refused(app, world):
    reviewer = client_as(app, world["people"]["consultant"])
    assessment_id, token = world["assessment"].id, world["token"]
    form = csrf_token(reviewer.get(f"/review/{assessment_id}").text)
    sign_off = {"csrf_token": form, "revision": "1"}
    returned = reviewer.post(f"/review/{assessment_id}/answer", data={
        "csrf_token": form, "revision": "1", "question_id": "ds_data", "decision": "returned",
        "comment": "Attach last month's backup log."})
    assert returned.status_code == 302
    assert reviewer.post(f"/review/{assessment_id}/return", data={"csrf_token": form, "revision": "1",
                                                                  "comment": "See the data answer."}).status_code == 302
    # the enterprise sees what was returned, on the page of the answer
    survey = world["survey"]
    page = survey.client.get(f"/a/{token}/page/2").text
    assert "Attach last month&#39;s backup log." in page
    resumed = survey.client.get(f"/a/{token}")  # the resume link leads to the review page, which lists them
    assert resumed.headers["Location"] == f"/a/{token}/review"
    review = survey.client.get(resumed.headers["Location"]).text
    assert 'id="returned"' in review and "See the data answer." in review
    assert f'href="/a/{token}/page/2#q-ds_data"' in review and "Attach last month&#39;s backup log." in review
    survey.answer_all(token, {**ANSWERS, "ds_data": 3})
    assert survey.submit(token).status_code == 302
    replay = reviewer.post(f"/review/{assessment_id}/sign-off", data=sign_off)  # the revision-1 form, again
    assert replay.status_code == 303
    assert "Self-declared" in app.test_client().get(f"/a/{token}/results").text
    assert review_events(app) == ["answer_return", "return"]
    page = reviewer.get(f"/review/{assessment_id}").text
    assert "Revision 2" in page and "The assessment changed since this page was shown" in page


def test_adding_evidence_saves_the_page_first_and_the_file_is_served_safely(app):
    survey = SurveyActions(app.test_client(), app)
    token = survey.start()
    # page 2 is data and security; "ds_data" typed, then "Add evidence" pressed instead of "Save and continue"
    response = survey.post_page(token, 2, {"ds_data": "3"}, action="evidence:ds_data")
    assert response.status_code == 302 and response.headers["Location"] == f"/a/{token}/evidence/ds_data"
    with db(app) as session:
        assert session.exec(select(StoredAnswer.value).where(StoredAnswer.question_id == "ds_data")).one() == 3
    form = survey.client.get(f"/a/{token}/evidence/ds_data").text
    big = PDF + b"0" * (3 * 1024 * 1024)  # 3 MB: over the app's 2 MB for other requests, under the 10 MB here
    posted = upload(survey.client, f"/a/{token}/evidence/ds_data",
                    {"csrf_token": csrf_token(form), "comment": "Backup log"}, big, "log.html")
    assert posted.status_code == 302 and posted.headers["Location"] == f"/a/{token}/page/2#q-ds_data"
    with db(app) as session:
        evidence = session.exec(select(Evidence)).one()
    download = survey.client.get(f"/a/{token}/evidence/file/{evidence.id}", buffered=True)
    assert download.status_code == 200 and download.data == big
    assert download.headers["Content-Type"] == "application/pdf"  # the content's type, not the name's
    assert download.headers["Content-Disposition"] == "attachment; filename=log.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # another assessment's resume link does not reach the file
    other = survey.start(name="Other Works")
    assert survey.client.get(f"/a/{other}/evidence/file/{evidence.id}").status_code == 404
    # a request over 10 MB is refused before anything is read
    too_big = upload(survey.client, f"/a/{token}/evidence/ds_data", {"csrf_token": csrf_token(form)},
                     b"%PDF-" + bytes(11 * 1024 * 1024), "big.pdf")
    assert too_big.status_code == 413
    # and an HTML file is not evidence, whatever it is called
    html = upload(survey.client, f"/a/{token}/evidence/ds_data", {"csrf_token": csrf_token(form)},
                  b"<html><script>x</script>", "data.csv")
    assert html.status_code == 400
    with db(app) as session:
        assert len(session.exec(select(Evidence)).all()) == 1


def test_evidence_of_a_question_hidden_by_its_condition_is_not_shown(app, world):
    survey = world["survey"]
    token = survey.start(name="Conditional Works")
    number = 4  # operations: op_platform_apps is asked when en_platform (page 3) is yes
    survey.post_page(token, 3, {"en_platform": "yes"}, action="exit")
    form = survey.client.get(f"/a/{token}/evidence/op_platform_apps").text
    survey.client.post(f"/a/{token}/evidence/op_platform_apps", data={
        "csrf_token": csrf_token(form), "url": "https://example.org/platform"})
    assert "https://example.org/platform" in survey.client.get(f"/a/{token}/page/{number}").text
    survey.post_page(token, 3, {"en_platform": "no"}, action="exit")
    assert "https://example.org/platform" not in survey.client.get(f"/a/{token}/page/{number}").text
    assert survey.client.get(f"/a/{token}/evidence/op_platform_apps").status_code == 404


def test_the_pdf_report_cover_says_who_verified_the_answers(app, world):
    reviewer = client_as(app, world["people"]["consultant"])
    assessment_id, token = world["assessment"].id, world["token"]
    form = csrf_token(reviewer.get(f"/review/{assessment_id}").text)
    reviewer.post(f"/review/{assessment_id}/sign-off", data={"csrf_token": form, "revision": "1"})
    client = app.test_client()
    roadmap = client.get(f"/a/{token}/roadmap").text
    response = client.post(f"/a/{token}/report.pdf", data={"csrf_token": csrf_token(roadmap), "goal": ["cost"],
                                                           "target": "upper_quartile", "language": "en"})
    assert response.status_code == 200, response.data[:300]
    text = " ".join(pdf_text(response.data).split())
    assert re.search(r"Answers Verified by Li Ming, \d{4}-\d{2}-\d{2}", text), text[:600]


def test_an_agency_analyst_restricts_the_view_to_verified_assessments(app, world):
    from factories import publish_in

    ask_an_agency(app, world)
    analyst = client_as(app, world["people"]["shandong agency"])
    publish_in(app, count_anonymous=True)  # the survey was answered without an account
    assert 'id="no-verified-statistics"' in analyst.get("/agencies/?verified=y").text
    assert "all, self-declared and verified" in analyst.get("/agencies/").text
    form = csrf_token(analyst.get(f"/review/{world['assessment'].id}").text)
    analyst.post(f"/review/{world['assessment'].id}/sign-off", data={"csrf_token": form, "revision": "1"})
    publish_in(app, count_anonymous=True)
    page = analyst.get("/agencies/?verified=y")
    assert page.status_code == 200
    assert "verified assessments only (signed off by a reviewer)" in page.text
    assert '<input checked id="verified" name="verified" type="checkbox" value="y">' in page.text
    assert "verified=y" in analyst.get("/agencies/?verified=y&q=quick_check").text  # the exports keep it
