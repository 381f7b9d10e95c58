"""An enterprise's rights over its data: benchmark consent, export of everything, deletion.

Who: the enterprise's own users, and administrators (on the enterprise's request, e.g. when its users cannot sign
in), as `storage.access.acts_for_enterprise` says; every export, consent change and deletion is in the audit log.
Consultants are left out on purpose: these are the enterprise's decisions about its own data, not its adviser's. A
consultant works with its clients' assessments through their results, reports and report batches; a full export
would also hand over the enterprise's accounts and the audit log of who saw its data, which the consultant's work
does not need, and only the enterprise (or an administrator acting on its request) may withdraw it from the
benchmarks or delete it. For the same reason a consultant cannot invite a user into these rights on its own
(web/invitations.py).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlmodel import func, select
from wtforms import HiddenField, StringField

from storage.access import acts_for_enterprise
from storage.db import get_session
from storage.evidence import evidence_folder
from storage.privacy import delete_enterprise, export_csv, export_enterprise
from storage.tables import Assessment, Enterprise, User
from web.access import record, role_required

bp = Blueprint("privacy", __name__, url_prefix="/workspace/enterprise")
ROLES = ("enterprise", "admin")


class ConsentForm(FlaskForm):
    consent = HiddenField()  # "on" or "off": what the button sets, so that posting twice changes nothing more


class DeleteForm(FlaskForm):
    confirm_name = StringField(_l("Type the enterprise's name to confirm"))


def _enterprise(enterprise_id: int) -> Enterprise:
    """The enterprise, if the current user acts for it; else 404 (whether it exists or not)."""
    enterprise = get_session().get(Enterprise, enterprise_id)
    if enterprise is None or not acts_for_enterprise(current_user, enterprise):
        abort(404)
    return enterprise


def _page(enterprise: Enterprise, delete_form: DeleteForm | None = None, status: int = 200):
    session = get_session()
    assessments = session.exec(select(func.count()).select_from(Assessment)
                               .where(Assessment.enterprise_id == enterprise.id)).one()
    users = session.exec(select(func.count()).select_from(User).where(User.enterprise_id == enterprise.id)).one()
    return render_template(
        "privacy/data.html",
        enterprise=enterprise,
        assessments=assessments,
        users=users,
        k=current_app.config["BENCHMARK_MIN_GROUP"],
        delete_form=delete_form or DeleteForm(formdata=None),
        own_account=current_user.role == "enterprise",
    ), status


@bp.get("/<int:enterprise_id>/data")
@role_required(*ROLES)
def data(enterprise_id: int):
    """The enterprise's data rights: the benchmark consent switch, the exports, deletion."""
    return _page(_enterprise(enterprise_id))


@bp.post("/<int:enterprise_id>/consent")
@role_required(*ROLES)
def consent(enterprise_id: int):
    """Give or withdraw consent to count in benchmarks; it takes effect at the next rebuild of the statistics."""
    enterprise = _enterprise(enterprise_id)
    form = ConsentForm()
    if not form.validate_on_submit() or form.consent.data not in ("on", "off"):
        flash(_("Nothing was changed: the form was incomplete. Please try again."), "error")
        return _page(enterprise, status=400)
    wanted = form.consent.data == "on"
    if enterprise.benchmark_consent != wanted:
        enterprise.benchmark_consent = wanted
        session = get_session()
        session.add(enterprise)
        session.commit()
        record("change", enterprise_id=enterprise.id, detail=f"benchmark consent {form.consent.data}")
    if wanted:
        flash(_("Your assessments will count in the benchmarks from the next rebuild of the statistics."), "info")
    else:
        flash(_("Your assessments will be left out of the benchmarks from the next rebuild of the statistics."),
              "info")
    return redirect(url_for(".data", enterprise_id=enterprise.id))


def _attachment(content: bytes, mimetype: str, name: str) -> Response:
    """A file to save rather than show, kept out of every cache."""
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                         "Cache-Control": "no-store"})


@bp.get("/<int:enterprise_id>/export.json")
@role_required(*ROLES)
def export_json(enterprise_id: int):
    """Everything stored about the enterprise, as one JSON file."""
    enterprise = _enterprise(enterprise_id)
    exported = export_enterprise(session=get_session(), enterprise_id=enterprise.id)
    content = json.dumps(exported, ensure_ascii=False, indent=2)
    record("export", enterprise_id=enterprise.id, detail="data export (JSON)")
    return _attachment(content.encode("utf-8"), "application/json",
                       f"imready-enterprise-{enterprise.id}.json")


@bp.get("/<int:enterprise_id>/export.zip")
@role_required(*ROLES)
def export_zip(enterprise_id: int):
    """Everything stored about the enterprise, as CSV files (one per table) in a ZIP."""
    enterprise = _enterprise(enterprise_id)
    content = export_csv(session=get_session(), enterprise_id=enterprise.id,
                         evidence_folder=evidence_folder(current_app.instance_path))
    record("export", enterprise_id=enterprise.id, detail="data export (CSV)")
    return _attachment(content, "application/zip", f"imready-enterprise-{enterprise.id}-csv.zip")


@bp.post("/<int:enterprise_id>/delete")
@role_required(*ROLES)
def delete(enterprise_id: int):
    """Delete the enterprise and its data once its name is typed; an enterprise user's own account goes with it,
    and the user is signed out."""
    enterprise = _enterprise(enterprise_id)
    form = DeleteForm()
    typed = (form.confirm_name.data or "").strip()
    if not form.validate_on_submit():
        form.confirm_name.errors = [_("The form had expired. Nothing was deleted; please try again.")]
        return _page(enterprise, form, 400)
    if typed != enterprise.name.strip():
        if typed:
            message = _('You typed "%(typed)s", which is not the enterprise\'s name "%(name)s". Nothing was deleted.',
                        typed=typed, name=enterprise.name)
        else:
            message = _('Type the enterprise\'s name "%(name)s" to confirm. Nothing was deleted.', name=enterprise.name)
        form.confirm_name.errors = [message]
        return _page(enterprise, form, 400)
    own_account = current_user.role == "enterprise"
    name = enterprise.name
    delete_enterprise(session=get_session(), enterprise_id=enterprise.id, actor_id=current_user.id,
                      delete_accounts=[current_user.id] if own_account else (), address=request.remote_addr or "",
                      evidence_folder=evidence_folder(current_app.instance_path))
    if own_account:
        logout_user()
        flash(_("Your account and the data of %(name)s have been deleted. You are signed out.", name=name), "info")
        return redirect(url_for("site.index"))
    flash(_("%(name)s and its data have been deleted.", name=name), "info")
    return redirect(url_for("workspace.index"))
