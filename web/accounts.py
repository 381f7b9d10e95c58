"""Register, sign in and out, reset a forgotten password by a signed link sent by e-mail."""

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

from storage.accounts import (
    MIN_PASSWORD,
    AccountError,
    authenticate,
    create_user,
    normalise_email,
    reset_token,
    set_password,
    user_for_reset,
)
from storage.db import get_session
from storage.tables import User
from web import mail
from web.access import end_every_session, limiter, record, sign_in_limit, start_session
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
    "email": {
        "not an e-mail address": _l("This is not an e-mail address."),
        "an account with this e-mail already exists": _l("An account with this e-mail already exists."),
    },
    "password": {f"at least {MIN_PASSWORD} characters": _l("Use at least 10 characters.")},
}


@bp.route("/register", methods=["GET", "POST"])
def register():
    """A new enterprise or consultant account; every field typed stays on the page when one is refused."""
    form = RegisterForm(email=request.args.get("email", ""))
    invitation = flask_session.get("invitation") or {}
    if form.validate_on_submit():
        role = form.role.data if form.role.data in PUBLIC_ROLES else "enterprise"
        invited = invitation.get("email") == normalise_email(form.email.data) and role == "enterprise"
        try:
            user = create_user(session=get_session(), email=form.email.data, password=form.password.data, role=role,
                               name=form.name.data or "",
                               enterprise_id=invitation.get("enterprise") if invited else None)  # fmt: skip
        except AccountError as error:
            getattr(form, error.field).errors = [str(ERRORS.get(error.field, {}).get(str(error), str(error)))]
        else:
            start_session(user)
            flask_session.pop("invitation", None)
            record("register", enterprise_id=user.enterprise_id, detail=user.role + (" (invited)" if invited else ""))
            flash(_("Your account is ready."), "info")
            return redirect(home_for(user))
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


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
        from sqlmodel import select

        user = get_session().exec(select(User).where(User.email == normalise_email(form.email.data))).first()
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
    return {"current_user": current_user}
