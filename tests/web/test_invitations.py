"""Invitations to an enterprise's account. An enterprise user holds the enterprise's rights over its data (export,
deletion, benchmark consent), which its consultant does not: a consultant cannot give them to an address it controls,
neither by inviting it nor by claiming its client's resume link with a second account. The enterprise's own user or
an administrator invites, or confirms a consultant's request."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from factories import client_as, csrf_token, make_user
from jobs import mail
from storage.accounts import email_confirmed
from storage.tables import Assessment, Enterprise, User

ATTACKER = "me-too@consultant.example"
PASSWORD = "a long test password"


@pytest.fixture(autouse=True)
def empty_outbox():
    mail.outbox.clear()


def links_mailed_to(address: str, base: str = "http://127.0.0.1:5000") -> list[str]:
    """The paths of every link of this site (under its BASE_URL) mailed to `address`."""
    return [path for message in mail.outbox if message["To"] == address
            for path in re.findall(rf"{re.escape(base)}(/\S+)", message.get_content())]  # fmt: skip


def start_client(app, survey, consultant, name: str) -> tuple[str, int]:
    """A client enterprise made as a consultant makes one (an assessment taken while signed in): its resume token
    and id."""
    survey.client = client_as(app, consultant)
    token = survey.start(name=name)
    with Session(app.extensions["db_engine"]) as session:
        return token, session.exec(select(Assessment).where(Assessment.token == token)).one().enterprise_id


def invite(client, enterprise_id: int, email: str):
    """Follow the workspace's "Invite a user" link of the enterprise and send its form."""
    workspace = client.get("/workspace/").text
    url = re.search(rf'href="([^"]+)" id="invite-{enterprise_id}"', workspace)[1]
    return client.post(url, data={"csrf_token": csrf_token(client.get(url).text), "email": email})


def register(client, email: str):
    """Create an enterprise account as the registration page offers it, then sign in with it."""
    form = client.get(f"/account/register?email={email}").text
    response = client.post("/account/register", data={"csrf_token": csrf_token(form), "email": email,
                                                      "role": "enterprise", "password": PASSWORD, "confirm": PASSWORD})
    page = client.get("/account/sign-in").text
    client.post("/account/sign-in", data={"csrf_token": csrf_token(page), "email": email, "password": PASSWORD})
    return response


def account(app, email: str) -> User:
    with Session(app.extensions["db_engine"]) as session:
        return session.exec(select(User).where(User.email == email)).one()


def rights_of(client, app, enterprise_id: int) -> dict[str, int]:
    """What the enterprise's data rights answer this client: export, consent, deletion (the status of each)."""
    page = client.get("/workspace/").text  # any page: the sign-out form carries a CSRF token
    token = csrf_token(page)
    with Session(app.extensions["db_engine"]) as session:
        name = session.get(Enterprise, enterprise_id).name
    return {
        "export": client.get(f"/workspace/enterprise/{enterprise_id}/export.json").status_code,
        "consent": client.post(f"/workspace/enterprise/{enterprise_id}/consent",
                               data={"csrf_token": token, "consent": "off"}).status_code,
        "delete": client.post(f"/workspace/enterprise/{enterprise_id}/delete",
                              data={"csrf_token": token, "confirm_name": name}).status_code,
    }


def test_a_consultant_cannot_invite_an_address_of_its_own_into_its_client_s_rights(app, survey):
    consultant = make_user(app, "consultant")
    admin = make_user(app, "admin")
    _token, enterprise_id = start_client(app, survey, consultant, "Lotus Ceramics")
    response = invite(client_as(app, consultant), enterprise_id, ATTACKER)
    assert response.status_code == 302
    # The attacker follows whatever reached its mailbox, registers with that address and tries the rights.
    attacker = client_as(app, None)
    for link in links_mailed_to(ATTACKER):
        attacker.get(link)
    assert register(attacker, ATTACKER).status_code == 302
    assert account(app, ATTACKER).enterprise_id is None
    assert rights_of(attacker, app, enterprise_id) == {"export": 404, "consent": 404, "delete": 404}
    with Session(app.extensions["db_engine"]) as session:
        enterprise = session.get(Enterprise, enterprise_id)
        assert enterprise is not None and enterprise.benchmark_consent
    # What went out instead: a request to the administrator (the client has no user of its own), naming both.
    [request] = [message for message in mail.outbox if message["To"] == admin.email]
    assert ATTACKER in request.get_content() and consultant.email in request.get_content()


def test_a_consultant_s_second_account_cannot_claim_its_client_through_the_resume_link(app, survey, example_answers):
    consultant = make_user(app, "consultant")
    token, enterprise_id = start_client(app, survey, consultant, "Lotus Ceramics")
    survey.answer_all(token, example_answers)
    survey.submit(token)
    attacker = client_as(app, None)
    register(attacker, ATTACKER)
    results = attacker.get(f"/a/{token}/results")
    response = attacker.post(f"/workspace/claim/{token}", data={"csrf_token": csrf_token(results.text)},
                             follow_redirects=True)
    assert account(app, ATTACKER).enterprise_id is None
    assert rights_of(attacker, app, enterprise_id) == {"export": 404, "consent": 404, "delete": 404}
    assert "its resume link cannot make you its user" in response.text
    assert 'id="claim-needs-invitation"' in attacker.get(f"/a/{token}/results").text  # instead of the button


def test_the_enterprise_confirms_a_consultant_s_request_and_the_invitee_gets_its_rights(app, survey):
    consultant = make_user(app, "consultant")
    admin = make_user(app, "admin")
    _token, enterprise_id = start_client(app, survey, consultant, "Lotus Ceramics")
    invite(client_as(app, consultant), enterprise_id, "Owner@Lotus.example")
    [confirm] = links_mailed_to(admin.email)
    assert links_mailed_to("owner@lotus.example") == []
    assert client_as(app, consultant).get(confirm).status_code == 403  # the consultant cannot confirm its own
    stranger = make_user(app, "enterprise", email="stranger@example.org")
    assert client_as(app, stranger).get(confirm).status_code == 404  # nor a user of another enterprise
    administrator = client_as(app, admin)
    page = administrator.get(confirm)
    assert page.status_code == 200 and "owner@lotus.example" in page.text and consultant.email in page.text
    assert administrator.post(confirm, data={"csrf_token": csrf_token(page.text)}).status_code == 302
    [accept] = links_mailed_to("owner@lotus.example")
    owner = client_as(app, None)
    response = owner.get(accept)
    assert response.status_code == 302 and response.headers["Location"].endswith("email=owner@lotus.example")
    register(owner, "owner@lotus.example")
    assert account(app, "owner@lotus.example").enterprise_id == enterprise_id
    # the invitation reached that address: it counts as confirmed, and what it submits counts in releases
    assert email_confirmed(account(app, "owner@lotus.example"))
    assert "Lotus Ceramics" in owner.get("/workspace/").text
    assert owner.get(f"/workspace/enterprise/{enterprise_id}/export.json").status_code == 200
    # From now on a consultant's requests go to the enterprise's own user, not to the administrators.
    mail.outbox.clear()
    invite(client_as(app, consultant), enterprise_id, "buyer@lotus.example")
    assert len(links_mailed_to("owner@lotus.example")) == 1 and links_mailed_to(admin.email) == []


def test_an_enterprise_user_invites_a_colleague_while_it_acts_for_the_enterprise(app, survey):
    consultant = make_user(app, "consultant")
    _token, enterprise_id = start_client(app, survey, consultant, "Lotus Ceramics")
    owner = make_user(app, "enterprise", email="owner@lotus.example", enterprise_id=enterprise_id)
    assert invite(client_as(app, owner), enterprise_id, "colleague@lotus.example").status_code == 302
    [accept] = links_mailed_to("colleague@lotus.example")
    invite(client_as(app, owner), enterprise_id, "late@lotus.example")
    [late] = links_mailed_to("late@lotus.example")
    colleague = client_as(app, None)
    colleague.get(accept)
    register(colleague, "colleague@lotus.example")
    assert account(app, "colleague@lotus.example").enterprise_id == enterprise_id
    # Once the inviter no longer acts for the enterprise, the links it signed stop working.
    with Session(app.extensions["db_engine"]) as session:
        moved = session.get(User, owner.id)
        moved.active = False
        session.add(moved)
        session.commit()
    refused = client_as(app, None).get(late)
    assert refused.status_code == 400 and 'id="invitation-invalid"' in refused.text
