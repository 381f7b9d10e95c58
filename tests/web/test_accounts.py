"""Accounts through the app: registering (without telling whether an address has an account), confirming the
address by a mailed link, signing in and out (a session ends for good at sign-out and at a new password, and starts
anew at sign-in), limited attempts, and resetting a password by a signed, expiring link that works once; passwords
are stored hashed."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from factories import csrf_token, make_user
from jobs import mail
from storage.accounts import (
    confirm_email,
    confirmation_token,
    email_confirmed,
    reset_token,
    user_for_reset,
)
from storage.demo import demo_accounts
from storage.tables import AuditEvent, User

PASSWORD = "a long test password"


def post_form(client, url: str, data: dict, page: str | None = None, **request):
    """Post a form with the CSRF token of the page that shows it (`request`: more of the request, e.g. headers)."""
    token = csrf_token(client.get(page or url, **request).text)
    return client.post(url, data={**data, "csrf_token": token}, **request)


def mailed_link(app, path: str) -> str:
    """The path of the link to `path` in the last message sent, which must be under BASE_URL."""
    base = re.escape(app.config["BASE_URL"])
    return re.search(rf"{base}({re.escape(path)}\S*)", mail.outbox[-1].get_content()).group(1)


def stored(app, email: str) -> User | None:
    with Session(app.extensions["db_engine"]) as session:
        return session.exec(select(User).where(User.email == email)).first()


def test_register_makes_an_account_whose_address_is_confirmed_by_a_link(app, client):
    response = post_form(client, "/account/register", {"name": "Li Wei", "email": " Li.Wei@Example.ORG ",
                                                       "role": "consultant", "password": PASSWORD,
                                                       "confirm": PASSWORD})  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/sign-in")
    assert "A message with the next step is on its way to li.wei@example.org." in client.get("/account/sign-in").text
    user = stored(app, "li.wei@example.org")
    assert (user.email, user.role, user.name) == ("li.wei@example.org", "consultant", "Li Wei")
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt:")
    assert not email_confirmed(user)
    assert mail.outbox[-1]["To"] == "li.wei@example.org"
    link = mailed_link(app, "/account/confirm/")

    signed = post_form(client, "/account/sign-in", {"email": "li.wei@example.org", "password": PASSWORD})
    assert signed.status_code == 302
    workspace = client.get("/workspace/").text
    assert "My clients" in workspace and 'id="confirm-notice"' in workspace
    confirmed = client.get(link)
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/workspace/")
    workspace = client.get("/workspace/").text
    assert "your e-mail address is confirmed" in workspace and 'id="confirm-notice"' not in workspace
    assert email_confirmed(stored(app, "li.wei@example.org"))
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(AuditEvent.action)).all() == ["register", "sign_in", "confirm_email"]


def test_register_refuses_with_the_field_named_and_keeps_what_was_typed(app, client):
    cases = [
        ({"email": "new@example.org", "password": "short", "confirm": "short"}, "password",
         "Use at least 10 characters."),
        ({"email": "new@example.org", "password": PASSWORD, "confirm": PASSWORD + "x"}, "confirm",
         "The passwords differ."),
        ({"email": "not-an-address", "password": PASSWORD, "confirm": PASSWORD}, "email",
         "This is not an e-mail address."),
    ]  # fmt: skip
    for data, field, message in cases:
        response = post_form(client, "/account/register", {"name": "Zhang San", "role": "enterprise", **data})
        assert response.status_code == 400, data
        assert f'id="{field}-error"' in response.text
        assert message in response.text
        assert 'value="Zhang San"' in response.text
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(User)).all() == []


def test_registering_a_taken_address_answers_as_a_new_one_and_tells_its_owner(app):
    """The attack: register with someone's address to learn that it has an account ("An account with this e-mail
    already exists"). The answer is now the same for a taken and a new address; the owner hears of it by mail."""
    owner = make_user(app, "enterprise", email="taken@example.org")
    answers = {}
    for email in ("taken@example.org", "free@example.org"):
        client = app.test_client()
        response = post_form(client, "/account/register", {"email": email, "role": "enterprise",
                                                           "password": "another long password",
                                                           "confirm": "another long password"})  # fmt: skip
        page = client.get(response.headers["Location"]).text.replace(email, "EMAIL")
        answers[email] = (response.status_code, response.headers["Location"], page)
        assert mail.outbox[-1]["To"] == email
    taken, free = answers.values()
    assert taken[:2] == free[:2] == (302, "/account/sign-in")
    assert re.sub(r'value="[^"]+"', "", taken[2]) == re.sub(r'value="[^"]+"', "", free[2])  # CSRF tokens differ
    assert mail.outbox[-2]["To"] == "taken@example.org"
    told = mail.outbox[-2].get_content()
    assert "which has one already. Nothing was changed." in told and "/account/confirm/" not in told
    assert stored(app, "taken@example.org").password_hash == owner.password_hash  # the account is untouched
    assert "/account/confirm/" in mail.outbox[-1].get_content()  # the new one is asked to confirm


def test_registration_attempts_are_limited_per_address(app, client):
    """The attack: try address after address, or flood someone's mailbox, from one machine."""
    app.config["SIGN_IN_LIMIT"] = "3 per minute"
    token = csrf_token(client.get("/account/register").text)
    statuses = [client.post("/account/register", data={"email": f"person{number}@example.org", "role": "enterprise",
                                                       "password": PASSWORD, "confirm": PASSWORD,
                                                       "csrf_token": token}).status_code
                for number in range(4)]  # fmt: skip
    assert statuses == [302, 302, 302, 429]
    assert stored(app, "person3@example.org") is None


def test_agency_and_administrator_roles_cannot_be_registered(app, client):
    response = post_form(client, "/account/register", {"email": "boss@example.org", "role": "admin",
                                                       "password": PASSWORD, "confirm": PASSWORD})  # fmt: skip
    assert response.status_code == 400 and 'id="role-error"' in response.text
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(User)).all() == []


def test_sign_in_and_out(app, client):
    make_user(app, "agency", email="analyst@example.org", jurisdiction="370000")
    wrong = post_form(client, "/account/sign-in", {"email": "analyst@example.org", "password": "wrong password"})
    assert wrong.status_code == 401 and "The e-mail or the password is wrong." in wrong.text
    unknown = post_form(client, "/account/sign-in", {"email": "nobody@example.org", "password": PASSWORD})
    assert unknown.status_code == 401 and "The e-mail or the password is wrong." in unknown.text
    right = post_form(client, "/account/sign-in", {"email": "ANALYST@example.org", "password": PASSWORD})
    assert right.status_code == 302 and right.headers["Location"].endswith("/agencies/")
    assert "analyst@example.org" in client.get("/").text
    assert client.post("/account/sign-out").status_code == 400  # no CSRF token: refused, still signed in
    post_form(client, "/account/sign-out", {}, page="/")
    assert "analyst@example.org" not in client.get("/").text
    assert client.get("/agencies/").status_code == 302


def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(app, client):
    """The attack: copy the session cookie of a signed-in browser (a shared computer, a stolen backup, malware) and
    use it after its owner has signed out. A signed cookie stays valid however long; the epoch it names does not."""
    make_user(app, "admin", email="admin@example.org")
    post_form(client, "/account/sign-in", {"email": "admin@example.org", "password": PASSWORD})
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/admin/users").status_code == 200  # the copy works while its owner is signed in
    post_form(client, "/account/sign-out", {}, page="/")
    assert thief.get("/admin/users").status_code == 302
    assert "admin@example.org" not in thief.get("/").text


def test_sign_out_ends_the_user_s_other_sessions(app, client):
    make_user(app, "enterprise", email="user@example.org")
    elsewhere = app.test_client()
    for browser in (client, elsewhere):
        post_form(browser, "/account/sign-in", {"email": "user@example.org", "password": PASSWORD})
    assert elsewhere.get("/workspace/").status_code == 200
    post_form(client, "/account/sign-out", {}, page="/")
    assert "/account/sign-in" in elsewhere.get("/workspace/").headers["Location"]
    again = post_form(elsewhere, "/account/sign-in", {"email": "user@example.org", "password": PASSWORD})
    assert again.status_code == 302 and elsewhere.get("/workspace/").status_code == 200  # a new sign-in works


def test_a_new_password_ends_every_session_signed_in_before(app, client):
    """The attack: someone who got into an account keeps their session after the owner, alarmed, chooses a new
    password. Every session signed in before the change ends."""
    user = make_user(app, "enterprise", email="user@example.org")
    intruder = app.test_client()
    post_form(intruder, "/account/sign-in", {"email": "user@example.org", "password": PASSWORD})
    assert intruder.get("/workspace/").status_code == 200
    with Session(app.extensions["db_engine"]) as session:
        link = f"/account/reset/{reset_token(app.config['SECRET_KEY'], session.get(User, user.id))}"
    post_form(client, link, {"password": "a brand new password", "confirm": "a brand new password"})
    assert "/account/sign-in" in intruder.get("/workspace/").headers["Location"]


def test_sign_in_starts_a_new_session_with_a_new_csrf_token(app, client):
    """The attack (session fixation): plant a session in someone's browser (a shared computer, a link through a
    site of the same domain) before they sign in, keeping its CSRF token, then post forms as them once they have.
    Signing in starts a new session: the token known before it is refused after it."""
    make_user(app, "admin", email="admin@example.org")
    planted = csrf_token(client.get("/account/sign-in").text)
    with client.session_transaction() as flask_session:
        flask_session["invitation"] = {"enterprise": 1, "email": "admin@example.org"}  # planted too
    client.post("/account/sign-in", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": planted})
    assert client.get("/admin/users").status_code == 200
    forged = client.post("/account/sign-out", data={"csrf_token": planted})
    assert forged.status_code == 400 and "This form has expired" in forged.text
    assert client.get("/admin/users").status_code == 200  # still signed in: the forged sign-out did nothing
    with client.session_transaction() as flask_session:
        assert "invitation" not in flask_session
    assert csrf_token(client.get("/").text) != planted


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(app, client):
    make_user(app, "admin", email="admin@example.org")
    token = csrf_token(client.get("/account/sign-in").text)
    data = {"email": "admin@example.org", "password": PASSWORD, "csrf_token": token}
    back = client.post("/account/sign-in?next=/admin/audit", data=data)
    assert back.headers["Location"] == "/admin/audit"
    client.get("/")
    post_form(client, "/account/sign-out", {}, page="/")
    token = csrf_token(client.get("/account/sign-in").text)
    away = client.post("/account/sign-in?next=//evil.example/", data={**data, "csrf_token": token})
    assert away.headers["Location"] == "/admin/users"


def test_sign_in_attempts_are_limited_per_address(app, client):
    app.config["SIGN_IN_LIMIT"] = "3 per minute"
    make_user(app, "enterprise", email="user@example.org")
    token = csrf_token(client.get("/account/sign-in").text)
    statuses = [client.post("/account/sign-in", data={"email": "user@example.org", "password": "guess", "csrf_token":
                                                      token}).status_code for _ in range(4)]  # fmt: skip
    assert statuses == [401, 401, 401, 429]


def test_a_password_is_reset_by_a_link_that_works_once(app, client):
    user = make_user(app, "enterprise", email="user@example.org")
    sent = len(mail.outbox)
    response = post_form(client, "/account/reset", {"email": "nobody@example.org"})
    assert response.status_code == 302 and len(mail.outbox) == sent  # same answer, nothing sent
    post_form(client, "/account/reset", {"email": "User@Example.org"})
    message = mail.outbox[-1]
    assert message["To"] == "user@example.org"
    link = mailed_link(app, "/account/reset/")
    assert client.get(link).status_code == 200
    short = post_form(client, link, {"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "Use at least 10 characters." in short.text
    done = post_form(client, link, {"password": "a brand new password", "confirm": "a brand new password"})
    assert done.status_code == 302
    used = client.get(link)
    assert used.status_code == 400 and 'id="reset-invalid"' in used.text
    assert post_form(client, "/account/sign-in", {"email": "user@example.org", "password": PASSWORD}).status_code == 401
    signed = post_form(client, "/account/sign-in", {"email": "user@example.org", "password": "a brand new password"})
    assert signed.status_code == 302
    del user


def test_reset_tokens_expire_and_cannot_be_forged(app):
    user = make_user(app, "enterprise", email="user@example.org")
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        token = reset_token("test", user)
        assert user_for_reset(session=session, secret_key="test", token=token).id == user.id
        assert user_for_reset(session=session, secret_key="test", token=token, max_age=-1) is None  # expired
        assert user_for_reset(session=session, secret_key="another key", token=token) is None
        assert user_for_reset(session=session, secret_key="test", token=token[:-2] + "xx") is None


def test_confirmation_links_expire_name_one_address_and_cannot_be_forged(app):
    user = make_user(app, "enterprise", email="user@example.org")
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        token = confirmation_token("test", user)
        assert confirm_email(session=session, secret_key="test", token=token, max_age=-1) is None  # expired
        assert confirm_email(session=session, secret_key="another key", token=token) is None
        assert confirm_email(session=session, secret_key="test", token=token[:-2] + "xx") is None
        assert confirm_email(session=session, secret_key="test", token=reset_token("test", user)) is None
        changed = session.get(User, user.id)
        changed.email = "someone.else@example.org"  # a link names the address it was sent to
        session.commit()
        assert confirm_email(session=session, secret_key="test", token=token) is None
        assert not email_confirmed(session.get(User, user.id))
        fresh = confirmation_token("test", changed)
        assert confirm_email(session=session, secret_key="test", token=fresh).id == user.id
        assert email_confirmed(session.get(User, user.id))


def test_an_unconfirmed_user_is_asked_to_confirm_and_can_have_the_link_sent_again(app, client):
    make_user(app, "consultant", email="user@example.org")
    post_form(client, "/account/sign-in", {"email": "user@example.org", "password": PASSWORD})
    page = client.get("/workspace/").text
    assert "Please confirm your e-mail address: open the link we sent to user@example.org." in page
    again = client.post("/account/confirm?next=/workspace/", data={"csrf_token": csrf_token(page)})
    assert again.status_code == 302 and again.headers["Location"] == "/workspace/"
    assert mail.outbox[-1]["To"] == "user@example.org"
    link = mailed_link(app, "/account/confirm/")
    assert "A new link is on its way to user@example.org." in client.get("/workspace/").text
    client.get(link)
    assert 'id="confirm-notice"' not in client.get("/workspace/").text
    invalid = client.get(link[:-2] + "xx")
    assert invalid.status_code == 400 and 'id="confirm-invalid"' in invalid.text


def test_accounts_not_made_by_registering_count_as_confirmed(app, runner):
    """An administrator's (on the command line) and the demo accounts; invited ones: tests/web/test_consultant.py."""
    result = runner.invoke(args=["users", "create", "Analyst@Example.org", "--role", "agency", "--jurisdiction",
                                 "370000", "--password", PASSWORD])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert email_confirmed(stored(app, "analyst@example.org"))
    assert not email_confirmed(make_user(app, "admin", email="admin@demo.imready"))  # as if it had registered
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        assert all(email_confirmed(user) for user in demo_accounts(session=session, password=PASSWORD))
    assert email_confirmed(stored(app, "admin@demo.imready"))
