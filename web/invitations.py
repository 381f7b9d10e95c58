"""Invitations to an enterprise's account: its own users and administrators invite someone directly; a consultant
asks them to, and the invitation is mailed once one of them confirms (who may grant what: storage/invitations.py)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Length

from jobs import mail
from storage.access import acts_for_enterprise, can_see_enterprise
from storage.accounts import EMAIL, normalise_email
from storage.db import get_session
from storage.invitations import (
    Invitation,
    confirmers,
    invitation_link_token,
    read_invitation,
    read_request,
    request_token,
)
from storage.tables import Enterprise, User
from web.access import limiter, record, role_required
from web.forms import SubmitForm
from web.links import external_url

bp = Blueprint("invitations", __name__, url_prefix="/workspace/invitations")
# Each request a consultant sends mails every user of the enterprise (or every administrator): 20 an hour lets a
# consultant bring a client's whole team in on a busy afternoon, and stops a script from flooding those mailboxes.
INVITATION_REQUESTS_PER_HOUR = 20


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail of the person to invite"), validators=[DataRequired(), Length(max=254)])


def _visible(enterprise_id: int) -> Enterprise:
    """The enterprise, if the current user may see it; else 404 (whether it exists or not)."""
    enterprise = get_session().get(Enterprise, enterprise_id)
    if enterprise is None or not can_see_enterprise(current_user, enterprise):
        abort(404)
    return enterprise


def _requester() -> str:
    """Whom invitation requests are counted for: the signed-in user, wherever it sends them from."""
    return f"user {current_user.id}"


def _invites_directly() -> bool:
    """An enterprise user's or administrator's invitation is sent, not asked for: it is not a request."""
    return current_user.role != "consultant"


@bp.route("/<int:enterprise_id>/new", methods=["GET", "POST"])
@role_required("enterprise", "consultant", "admin")
@limiter.limit(f"{INVITATION_REQUESTS_PER_HOUR} per hour", key_func=_requester, methods=["POST"],
               exempt_when=_invites_directly)  # fmt: skip
def new(enterprise_id: int):
    """Invite someone to an account of the enterprise; a consultant's invitation is a request that the enterprise's
    own users (or, while it has none, the administrators) confirm."""
    enterprise = _visible(enterprise_id)
    direct = acts_for_enterprise(current_user, enterprise)
    form = InviteForm()
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        invitation = Invitation(enterprise.id, email, current_user.id)
        if not EMAIL.match(email):
            form.email.errors = [_("This is not an e-mail address.")]
        elif direct:
            _send_invitation(enterprise, invitation)
            record("change", enterprise_id=enterprise.id, detail=f"invited {email}")
            flash(_("The invitation was sent to %(email)s.", email=email), "info")
            return redirect(url_for("workspace.index"))
        elif recipients := confirmers(session=get_session(), enterprise=enterprise):
            _send_request(enterprise, invitation, recipients)
            record("change", enterprise_id=enterprise.id, detail=f"asked to invite {email}")
            if recipients[0].role == "enterprise":
                message = _("%(name)s's own users were asked to confirm the invitation of %(email)s; it is sent once "
                            "one of them does.", name=enterprise.name, email=email)
            else:
                message = _("%(name)s has no user of its own yet, so the administrators were asked to confirm the "
                            "invitation of %(email)s; it is sent once one of them does.", name=enterprise.name,
                            email=email)
            flash(message, "info")
            return redirect(url_for("workspace.index"))
        else:
            form.email.errors = [_("Nobody can confirm an invitation yet: %(name)s has no user of its own and this "
                                   "site has no administrator.", name=enterprise.name)]
    status = 400 if form.errors else 200
    return render_template("invitations/new.html", form=form, enterprise=enterprise, direct=direct), status


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@role_required("enterprise", "admin")
def confirm(token: str):
    """A consultant's request: the enterprise's own user or an administrator sends the invitation, or ignores it."""
    session = get_session()
    asked = read_request(secret_key=current_app.config["SECRET_KEY"], token=token)
    if asked is None:
        return render_template("invitations/invalid.html"), 400
    enterprise = session.get(Enterprise, asked.enterprise_id)
    if enterprise is None or not acts_for_enterprise(current_user, enterprise):
        abort(404)
    asker = session.get(User, asked.signer_id)
    form = SubmitForm()
    if form.validate_on_submit():
        _send_invitation(enterprise, Invitation(enterprise.id, asked.email, current_user.id))
        record("change", enterprise_id=enterprise.id,
               detail=f"invited {asked.email}, as asked by {asker.email if asker else 'a deleted account'}")
        flash(_("The invitation was sent to %(email)s.", email=asked.email), "info")
        return redirect(url_for("workspace.index"))
    return render_template("invitations/confirm.html", form=form, enterprise=enterprise, asked=asked, asker=asker)


@bp.get("/accept/<token>")
def accept(token: str):
    """An invitation link: remember the enterprise, then register (the account is linked on creation)."""
    invitation = read_invitation(session=get_session(), secret_key=current_app.config["SECRET_KEY"], token=token)
    if invitation is None:
        return render_template("invitations/invalid.html"), 400
    flask_session["invitation"] = {"enterprise": invitation.enterprise_id, "email": invitation.email}
    return redirect(url_for("accounts.register", email=invitation.email))


def _send_invitation(enterprise: Enterprise, invitation: Invitation) -> None:
    """Mail the invitation link, signed by the current user, who acts for the enterprise."""
    link = external_url("invitations.accept",
                        token=invitation_link_token(current_app.config["SECRET_KEY"], invitation))
    mail.send(invitation.email, _("Your imready account for %(name)s", name=enterprise.name),
              _("%(inviter)s invites you to an account of %(name)s: it sees the enterprise's assessments and holds "
                "its rights over its data (export, deletion, counting in benchmarks). Create your account within two "
                "weeks:\n\n%(link)s", inviter=_who(current_user), name=enterprise.name, link=link))  # fmt: skip


def _send_request(enterprise: Enterprise, invitation: Invitation, recipients: list[User]) -> None:
    """Mail a consultant's request to those who may confirm it."""
    link = external_url("invitations.confirm", token=request_token(current_app.config["SECRET_KEY"], invitation))
    for recipient in recipients:
        mail.send(recipient.email, _("Confirm an invitation to %(name)s", name=enterprise.name),
                  _("%(consultant)s, consultant of %(name)s, asks that %(email)s get an account of %(name)s. That "
                    "account would see the enterprise's assessments and hold its rights over its data (export, "
                    "deletion, counting in benchmarks), so only the enterprise or an administrator can grant it. "
                    "To send the invitation, open this link within two weeks and confirm; otherwise ignore this "
                    "message:\n\n%(link)s", consultant=_who(current_user), name=enterprise.name,
                    email=invitation.email, link=link))  # fmt: skip


def _who(user: User) -> str:
    """How a user is named in a mail."""
    return f"{user.name} ({user.email})" if user.name else user.email
