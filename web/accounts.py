"""Register, confirm the e-mail address, sign in and out, reset a forgotten password by a signed link sent by e-mail.

Registering answers the same whether or not the address has an account already: the account is made, or its owner
is told by mail that someone tried; either way the page only says that a message is on its way. Every link mailed is
built from BASE_URL (web.links), never from the request's Host header.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from jobs import mail
from storage.accounts import (
    MIN_PASSWORD,
    AccountError,
    authenticate,
    confirm_email,
    confirmation_token,
    email_confirmed,
    normalise_email,
    register_user,
    reset_token,
    set_password,
    user_by_email,
    user_for_reset,
)
from storage.db import get_session
from storage.tables import ROLES, User
from web.access import end_every_session, limiter, record, role_required, sign_in_limit, start_session
from web.links import external_url

bp = Blueprint("accounts", __name__, url_prefix="/account")
PUBLIC_ROLES = ("enterprise", "consultant")  # agency analysts and administrators are made by an administrator


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(
        _l("I am"),
        choices=[SelectChoice("enterprise", _l("an enterprise")), SelectChoice("consultant", _l("a consultant"))],
    )
    password = PasswordField(_l("Password (at least 10 characters)"), validators=[DataRequired()])
    confirm = PasswordField(_l("Password again"), validators=[EqualTo("password", _l("The passwords differ."))])


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired()])


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password (at least 10 characters)"), validators=[DataRequired()])
    confirm = PasswordField(_l("New password again"), validators=[EqualTo("password", _l("The passwords differ."))])


def safe_next(default: str) -> str:
    """The `next` address if it stays on this site, else `default`."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return default


def home_for(user: User) -> str:
    """Where a user lands after signing in."""
    if user.role == "agency":
        return url_for("agencies.index")
    if user.role == "admin":
        return url_for("admin.users")
    return url_for("workspace.index")


ERRORS = {
    "email": {"not an e-mail address": _l("This is not an e-mail address.")},
    "password": {f"at least {MIN_PASSWORD} characters": _l("Use at least 10 characters.")},
}


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
def register():
    """A new enterprise or consultant account; every field typed stays on the page when one is refused.

    The answer never says whether the address had an account: a new one gets a link to confirm the address (or,
    reached by an invitation mailed to it, is confirmed already), and the owner of an existing one is told by mail."""
    form = RegisterForm(email=request.args.get("email", ""))
    invitation = flask_session.get("invitation") or {}
    if form.validate_on_submit():
        role = form.role.data if form.role.data in PUBLIC_ROLES else "enterprise"
        invited = invitation.get("email") == normalise_email(form.email.data) and role == "enterprise"
        session = get_session()
        try:
            user = register_user(session=session, email=form.email.data, password=form.password.data, role=role,
                                 name=form.name.data or "", confirmed=invited,
                                 enterprise_id=invitation.get("enterprise") if invited else None)  # fmt: skip
        except AccountError as error:
            getattr(form, error.field).errors = [str(ERRORS.get(error.field, {}).get(str(error), str(error)))]
        else:
            if user is None:
                existing = user_by_email(session=session, email=form.email.data)
                if existing.active:
                    mail_account_exists(existing)
            else:
                record("register", user=user, enterprise_id=user.enterprise_id,
                       detail=user.role + (" (invited)" if invited else ""))  # fmt: skip
                mail_account_made(user)
            flask_session.pop("invitation", None)
            flash(_("Thank you. A message with the next step is on its way to %(email)s.",
                    email=normalise_email(form.email.data)), "info")  # fmt: skip
            return redirect(url_for(".sign_in"))
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


def mail_account_made(user: User) -> None:
    """Mail a new account its confirmation link, or, if its address is confirmed already, where to sign in."""
    if email_confirmed(user):
        mail.send(user.email, _("Your imready account is ready"),
                  _("Your imready account for %(email)s is ready. Sign in here:\n\n%(link)s",
                    email=user.email, link=external_url("accounts.sign_in")))  # fmt: skip
        return
    mail_confirmation_link(user)


def mail_confirmation_link(user: User) -> None:
    """Mail the link that confirms the account's address."""
    link = external_url("accounts.confirm", token=confirmation_token(current_app.config["SECRET_KEY"], user))
    mail.send(user.email, _("Confirm your imready e-mail address"),
              _("Open this link within a week to confirm that %(email)s is your address:\n\n%(link)s\n\n"
                "If you did not create an imready account, ignore this message.", email=user.email,
                link=link))  # fmt: skip


def mail_account_exists(user: User) -> None:
    """Tell the owner of an address that someone tried to register it again, and how to get in."""
    mail.send(user.email, _("Someone tried to create an imready account with your address"),
              _("Someone, perhaps you, tried to create an imready account for %(email)s, which has one already. "
                "Nothing was changed. Sign in here:\n\n%(sign_in)s\n\nForgot your password? Choose a new one "
                "here:\n\n%(reset)s\n\nIf it was not you, ignore this message.", email=user.email,
                sign_in=external_url("accounts.sign_in"), reset=external_url("accounts.reset_request")))  # fmt: skip


@bp.get("/confirm/<token>")
def confirm(token: str):
    """Follow the link mailed to a new account: its address is confirmed."""
    user = confirm_email(session=get_session(), secret_key=current_app.config["SECRET_KEY"], token=token)
    if user is None:
        return render_template("accounts/confirm_invalid.html"), 400
    record("confirm_email", user=user, enterprise_id=user.enterprise_id)
    flash(_("Thank you: your e-mail address is confirmed."), "info")
    signed_in = current_user.is_authenticated and current_user.id == user.id
    return redirect(home_for(user) if signed_in else url_for(".sign_in"))


@bp.post("/confirm")
@role_required(*ROLES)
@limiter.limit(sign_in_limit)
def resend_confirmation():
    """Mail the signed-in user's confirmation link again."""
    if FlaskForm().validate_on_submit():
        if email_confirmed(current_user):
            flash(_("Your e-mail address is confirmed already."), "info")
        else:
            mail_confirmation_link(current_user)
            flash(_("A new link is on its way to %(email)s.", email=current_user.email), "info")
    return redirect(safe_next(home_for(current_user)))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
def sign_in():
    """Sign in with e-mail and password; attempts per address are limited. The session starts anew."""
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(session=get_session(), email=form.email.data, password=form.password.data)
        if user is not None:
            start_session(user)
            record("sign_in")
            return redirect(safe_next(home_for(user)))
        form.password.errors = [_("The e-mail or the password is wrong.")]
    return render_template("accounts/sign_in.html", form=form), 401 if form.errors else 200


@bp.post("/sign-out")
def sign_out():
    """Sign out, ending every session of the user (a form, so that no link elsewhere can sign a user out)."""
    if FlaskForm().validate_on_submit():
        end_every_session()
    return redirect(url_for("site.index"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
def reset_request():
    """Send a reset link to the address if it has an account; the answer is the same either way."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = user_by_email(session=get_session(), email=form.email.data)
        if user is not None and user.active:
            link = external_url("accounts.reset", token=reset_token(current_app.config["SECRET_KEY"], user))
            mail.send(user.email, _("Reset your imready password"),
                      _("Open this link within an hour to choose a new password:\n\n%(link)s\n\n"
                        "If you did not ask for it, ignore this message.", link=link))  # fmt: skip
        flash(_("If an account uses that address, a link to reset its password is on its way."), "info")
        return redirect(url_for(".sign_in"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password through a valid, unexpired, unused link."""
    session = get_session()
    user = user_for_reset(session=session, secret_key=current_app.config["SECRET_KEY"], token=token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetForm()
    if form.validate_on_submit():
        try:
            set_password(session=session, user=user, password=form.password.data)
        except AccountError:
            form.password.errors = [_("Use at least 10 characters.")]
        else:
            flash(_("Your password has been changed. Sign in with the new one."), "info")
            return redirect(url_for(".sign_in"))
    return render_template("accounts/reset.html", form=form), 400 if form.errors else 200


@bp.app_context_processor
def _user_in_templates() -> dict:
    return {"current_user": current_user, "email_confirmed": email_confirmed}
