"""Who gets what: every route of the app, for every role and for a visitor who is not signed in.

Each route is either restricted to roles (declared with `role_required` and listed in RESTRICTED below) or open to
whoever holds the link (PUBLIC, with the reason); routes of the JSON API take a token instead of the session and are
listed in API with their roles. A new route that is in no list fails the test, so no route is added without deciding
who may use it."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from factories import client_as, make_user, publish_in
from storage.tables import Assessment, Enterprise, ReportBatch
from storage.tokens import create_token

ROLES = ("enterprise", "consultant", "agency", "admin")
RESTRICTED = {
    "admin.users": {"admin"},
    "admin.update_user": {"admin"},
    "admin.audit_log": {"admin"},
    "admin.mail_log": {"admin"},
    "admin.reference": {"admin"},
    "admin.releases_page": {"admin"},
    "agencies.index": {"agency", "admin"},
    "agencies.export_csv": {"agency", "admin"},
    "agencies.export_xlsx": {"agency", "admin"},
    "agencies.report_pdf": {"agency", "admin"},
    "agencies.report_job": {"agency", "admin"},
    "agencies.report_job_pdf": {"agency", "admin"},
    "batches.index": {"consultant", "admin"},
    "batches.show": {"consultant", "admin"},
    "batches.progress": {"consultant", "admin"},
    "batches.download": {"consultant", "admin"},
    "workspace.index": {"enterprise", "consultant", "admin"},
    "workspace.claim": {"enterprise", "consultant"},
    "workspace.comment": {"consultant", "admin"},
    "history.show": {"enterprise", "consultant", "admin"},
    "history.assess_again": {"enterprise", "consultant", "admin"},
    "history.action": {"enterprise", "consultant", "admin"},
    "consultant.import_clients": {"consultant"},
    "consultant.import_template": {"consultant"},
    "invitations.new": {"enterprise", "consultant", "admin"},
    "invitations.confirm": {"enterprise", "admin"},
    "consultant.branding": {"consultant"},
    "privacy.data": {"enterprise", "admin"},
    "privacy.consent": {"enterprise", "admin"},
    "privacy.export_json": {"enterprise", "admin"},
    "privacy.export_zip": {"enterprise", "admin"},
    "privacy.delete": {"enterprise", "admin"},
    "accounts.resend_confirmation": set(ROLES),
    "assignments.index": {"enterprise"},
    "assignments.revoke_assignment": {"enterprise"},
    # review and sign-off (web/review.py): who of these serves the enterprise is decided per assessment
    "review.queue": {"consultant", "agency"},
    "review.show": {"consultant", "agency"},
    "review.answer": {"consultant", "agency"},
    "review.verify": {"consultant", "agency"},
    "review.send_back": {"consultant", "agency"},
    "review.evidence_file": {"consultant", "agency"},
    "review.request_review": {"enterprise", "admin"},  # and only for its own enterprise (404 otherwise)
    **{f"campaigns.{view}": {"agency", "consultant"}  # and only their own campaigns (404 otherwise)
       for view in ("index", "new", "import_list", "invite", "show", "mails", "export", "exclude", "revise")},
}
PUBLIC = {
    "site.index": "the start page",
    "site.methodology": "how scores are made, for anyone to check",
    "site.plotly_js": "the charting library",
    "site.set_language": "the language switch",
    "static": "styles",
    "accounts.register": "creating an account",
    "accounts.sign_in": "signing in",
    "accounts.sign_out": "signing out (a form with a CSRF token)",
    "accounts.reset_request": "asking for a reset link",
    "accounts.reset": "the signed reset link is the credential",
    "accounts.confirm": "the signed confirmation link is the credential",
    "invitations.accept": "the signed invitation link is the credential",
    "survey.start": "anyone may take an assessment",
    "survey.resume": "the secret resume link is the credential",
    "survey.page": "the secret resume link is the credential",
    "survey.saved": "the secret resume link is the credential",
    "survey.review": "the secret resume link is the credential",
    "survey.submit": "the secret resume link is the credential",
    "results.show": "the secret resume link is the credential",
    "evidence.question": "the secret resume link is the credential",
    "evidence.add": "the secret resume link is the credential",
    "evidence.delete": "the secret resume link is the credential",
    "evidence.download": "the secret resume link is the credential",
    "roadmap.show": "the secret resume link is the credential",
    "roadmap.report": "the secret resume link is the credential",
    "api.openapi": "the API's description, for anyone to read",
    "assignments.colleague": "the secret colleague link is the credential",
    "survey.colleague_page": "the secret colleague link is the credential",
    "kpis.edit": "the secret resume link is the credential",
    "campaigns.open_link": "the secret personal link of a campaign's member is the credential",
    "campaigns.opt_out": "the secret personal link of a campaign's member is the credential",
}
OWN_DATA = {"enterprise", "consultant", "admin"}
API = {  # routes of /api/v1: a token (`Authorization: Bearer ...`), not the session, says who asks
    "api.list_questionnaires": set(ROLES),
    "api.get_questionnaire": set(ROLES),
    "api.list_enterprises": OWN_DATA,
    "api.create_enterprise": OWN_DATA,
    "api.get_enterprise": OWN_DATA,
    "api.create_assessment": OWN_DATA,
    "api.get_assessment": OWN_DATA,
    "api.put_answers": OWN_DATA,
    "api.submit": OWN_DATA,
    "api.get_result": OWN_DATA,
    "api.get_comparison": OWN_DATA,
    "api.regional_statistics": {"agency", "admin"},
}


@pytest.fixture
def world(app, survey, example_answers):
    """One submitted assessment, one user per role, and a report batch of the consultant's."""
    token = survey.start()
    survey.answer_all(token, example_answers)
    survey.submit(token)
    publish_in(app, count_anonymous=True)
    users = {role: make_user(app, role, jurisdiction="100000" if role == "agency" else None) for role in ROLES}
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        batch = ReportBatch(settings={}, assessment_ids=[], user_id=users["consultant"].id)
        session.add(batch)
        session.commit()
        assessment = session.exec(select(Assessment)).one()
    target = make_user(app, "enterprise", email="target@example.org")  # the account the admin form changes
    values = {"token": token, "batch_id": batch.id, "user_id": target.id, "questionnaire_id":
              "quick_check", "code": "zh", "number": 1, "filename": "css/app.css", "fmt": "xlsx",
              "enterprise_id": assessment.enterprise_id, "assessment_id": assessment.id,
              "link": "not-a-link", "assignment_id": 1, "question_id": "ds_data", "evidence_id": 1,
              "campaign_id": 1, "member_id": 1, "secret": "not-a-link", "digest": "0123456789abcdef",
              "job_id": 1}  # fmt: skip
    return users, values, assessment


def url_for_rule(rule, values) -> str:
    url = rule.rule
    for argument in rule.arguments:
        url = url.replace(f"<{argument}>", str(values[argument]))
        url = url.replace(f"<int:{argument}>", str(values[argument]))
        url = url.replace(f"<path:{argument}>", str(values[argument]))
    return url


def test_every_route_is_declared_restricted_or_public(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - RESTRICTED.keys() - PUBLIC.keys() - API.keys() == set(), "decide who may use these routes"
    assert RESTRICTED.keys() & PUBLIC.keys() == set() and API.keys() & (RESTRICTED.keys() | PUBLIC.keys()) == set()
    for endpoint, roles in {**RESTRICTED, **API}.items():
        assert set(getattr(app.view_functions[endpoint], "roles", ())) == roles, endpoint


def test_each_role_gets_what_it_may_and_nothing_else(app, world):
    users, values, _assessment = world
    app.config["WTF_CSRF_ENABLED"] = False  # forms are posted empty here: the role decides, not the token
    seen = {}
    with Session(app.extensions["db_engine"]) as session:
        tokens = {role: create_token(session=session, user=users[role], name="test") for role in ROLES}
    for rule in app.url_map.iter_rules():
        method = "GET" if "GET" in rule.methods else "POST"
        url = url_for_rule(rule, values)
        if rule.endpoint in API:
            method = next(m for m in ("GET", "POST", "PUT") if m in rule.methods)
            for who in (None, *ROLES):
                headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
                response = app.test_client().open(url, method=method, headers=headers)
                status = seen[(rule.endpoint, who)] = response.status_code
                response.close()
                if who is None:
                    assert status == 401, (rule.endpoint, who, status)
                elif who in API[rule.endpoint]:
                    assert status not in (401, 403), (rule.endpoint, who, status)
                else:
                    assert status == 403, (rule.endpoint, who, status)
            continue
        for who in (None, *ROLES):
            client = client_as(app, users[who] if who else None)
            response = client.open(url, method=method)
            status, location = response.status_code, response.headers.get("Location", "")
            response.close()
            seen[(rule.endpoint, who)] = status
            if rule.endpoint in RESTRICTED:
                if who is None:
                    assert status == 302 and "/account/sign-in" in location, (rule.endpoint, who, status)
                elif who in RESTRICTED[rule.endpoint]:
                    assert status not in (401, 403) and "/account/sign-in" not in location, (rule.endpoint, who)
                else:
                    assert status == 403, (rule.endpoint, who, status)
            else:
                assert status != 403, (rule.endpoint, who, status)
    # a few answers spelled out
    assert seen[("agencies.index", "agency")] == 200 and seen[("agencies.index", "consultant")] == 403
    assert seen[("admin.audit_log", "admin")] == 200 and seen[("admin.users", "agency")] == 403
    assert seen[("workspace.index", "enterprise")] == 200 and seen[("workspace.index", "agency")] == 403
    assert seen[("batches.show", "consultant")] == 200 and seen[("batches.show", "enterprise")] == 403
    assert seen[("results.show", None)] == 200  # the resume link keeps working without an account
    assert seen[("api.get_result", "admin")] == 200 and seen[("api.get_result", "agency")] == 403
    assert seen[("api.regional_statistics", "agency")] == 200 and seen[("api.list_enterprises", None)] == 401


def test_a_consultant_sees_only_its_own_batches_and_clients(app, world):
    users, values, assessment = world
    other = make_user(app, "consultant", email="other@example.org")
    client = client_as(app, other)
    assert client.get(f"/reports/batches/{values['batch_id']}").status_code == 404
    assert "You have no client enterprises yet." in client.get("/workspace/").text
    with Session(app.extensions["db_engine"]) as session:
        owned = session.get(Enterprise, assessment.enterprise_id)
        owned.consultant_id = other.id
        session.add(owned)
        session.commit()
        name = owned.name
    assert name in client.get("/workspace/").text
    assert name not in client_as(app, users["consultant"]).get("/workspace/").text


def test_an_assessment_is_claimed_through_its_resume_link(app, world):
    users, values, assessment = world
    member = make_user(app, "enterprise", email="member@example.org")
    client = client_as(app, member)
    assert 'id="claim"' in client.get(f"/a/{values['token']}/results").text
    page = client.get(f"/a/{values['token']}/results").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(f"/workspace/claim/{values['token']}", data={"csrf_token": token})
    assert response.status_code == 302
    with Session(app.extensions["db_engine"]) as session:
        assert session.get(type(member), member.id).enterprise_id == assessment.enterprise_id
    assert values["token"] in client.get("/workspace/").text


def test_viewing_and_exporting_are_in_the_audit_log(app, world):
    users, values, assessment = world
    admin = client_as(app, users["admin"])
    admin.get(f"/a/{values['token']}/results")
    log = admin.get(f"/admin/audit?enterprise={assessment.enterprise_id}").text
    assert "admin@example.org" in log and "view" in log and "results" in log
