"""Links the app mails, or shows to be kept, are built from BASE_URL (web/links.py), never from the Host header of
the request: each test asks as an attacker does, with the app reached under the name evil.example."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from factories import csrf_token, make_user, start_session_of
from jobs import mail
from storage.tables import Assessment, Enterprise

EVIL = {"base_url": "http://evil.example"}  # the request says `Host: evil.example`
PASSWORD = "a long test password"


@pytest.fixture(params=["http://127.0.0.1:5000", "https://survey.example.org/imready"])
def base_url(app, request) -> str:
    """BASE_URL as configured: the default, and a site served under a path."""
    app.config["BASE_URL"] = request.param
    return request.param


def links_in(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def test_a_reset_link_goes_to_base_url_whatever_the_host(app, base_url):
    """The attack: ask for a reset of someone's password with `Host: evil.example`. The app mailed them
    http://evil.example/account/reset/<token>; one click handed the token, and the account, to the attacker."""
    make_user(app, "enterprise", email="victim@example.org")
    client = app.test_client()
    token = csrf_token(client.get("/account/reset", **EVIL).text)
    assert client.post("/account/reset", data={"email": "victim@example.org", "csrf_token": token},
                       **EVIL).status_code == 302  # fmt: skip
    [link] = links_in(mail.outbox[-1].get_content())
    assert re.fullmatch(rf"{re.escape(base_url)}/account/reset/[\w.-]+", link)
    assert client.get(link.removeprefix(base_url)).status_code == 200  # and it works


def test_registration_mails_go_to_base_url_whatever_the_host(app, base_url):
    make_user(app, "enterprise", email="taken@example.org")
    for email in ("new@example.org", "taken@example.org"):
        client = app.test_client()
        token = csrf_token(client.get("/account/register", **EVIL).text)
        client.post("/account/register", data={"email": email, "role": "enterprise", "password": PASSWORD,
                                               "confirm": PASSWORD, "csrf_token": token}, **EVIL)  # fmt: skip
        links = links_in(mail.outbox[-1].get_content())
        assert links and all(link.startswith(base_url + "/account/") for link in links), links


def test_an_invitation_link_goes_to_base_url_whatever_the_host(app, base_url, survey):
    """The attack: a consultant's page opened under another host name (a proxy that passes any Host on) makes the
    invitation point there, and the invited person registers on the attacker's copy of the site."""
    consultant = make_user(app, "consultant")
    with Session(app.extensions["db_engine"]) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == survey.start())).one()
        enterprise_id = assessment.enterprise_id
        session.get(Enterprise, enterprise_id).consultant_id = consultant.id  # a client of the consultant
        session.commit()
    client = app.test_client()
    with client.session_transaction(**EVIL) as flask_session:
        start_session_of(app, flask_session, consultant)
    make_user(app, "admin")  # who confirms a consultant's request while the client has no user of its own
    invite = f"/workspace/invitations/{enterprise_id}/new"
    page = client.get(invite, **EVIL)
    assert page.status_code == 200
    client.post(invite, data={"csrf_token": csrf_token(page.text), "email": "owner@lotus.example"}, **EVIL)
    [link] = links_in(mail.outbox[-1].get_content())
    assert link.startswith(base_url + "/workspace/invitations/confirm/")


def test_the_resume_link_shown_goes_to_base_url_whatever_the_host(app, base_url, survey):
    """The attack: a page cached by a shared proxy under a forged Host shows respondents a resume link to the
    attacker's site, which then receives their secret resume tokens."""
    token = survey.start()
    for path in (f"/a/{token}/page/1", f"/a/{token}/saved"):
        html = app.test_client().get(path, **EVIL).text
        shown = re.search(r'id="resume-link">([^<]+)<', html).group(1)
        assert shown == f"{base_url}/a/{token}" and f'href="{base_url}/a/{token}"' in html
