"""A consultant's workspace: client enterprises created by hand or imported from a spreadsheet, and the branding
printed on the consultant's reports. (Inviting a client's users: web/invitations.py.)"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from reports.enterprise_report import Branding, BrandingError
from spreadsheets.loading import import_rows
from spreadsheets.reading import MAX_ROWS
from spreadsheets.rows import read_rows
from spreadsheets.template import write_template, write_template_guide
from storage.db import get_session
from storage.submissions import trust_of
from storage.tables import Enterprise
from web.access import record, role_required
from web.catalog import get_catalog
from web.forms import LISTED_PROBLEMS
from web.i18n import current_language
from web.report_settings import logo_upload

bp = Blueprint("consultant", __name__, url_prefix="/workspace/clients")
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class ImportForm(FlaskForm):
    questionnaire = SelectField(_l("Questionnaire"))
    upload = FileField(_l("CSV or XLSX file"))
    submit_complete = BooleanField(_l("Submit the complete rows (the others stay drafts)"), default=True)


class BrandingForm(FlaskForm):
    brand_name = StringField(_l("Name printed on reports"), validators=[Optional(), Length(max=120)])
    brand_colour = StringField(_l("Brand colour"), validators=[Regexp(r"^#[0-9a-fA-F]{6}$",
                                                                      message=_l("Use the form #2f6f9f."))])
    brand_logo = FileField(_l("Logo (PNG or JPEG, at most 512 KB; optional)"))


@bp.route("/import", methods=["GET", "POST"])
@role_required("consultant")
def import_clients():
    """Import assessments collected offline; the bad cells are listed (the first `LISTED_PROBLEMS`, and how many
    more), the good rows become clients. Statistics count them from their next release."""
    catalog = get_catalog()
    form = ImportForm()
    form.questionnaire.choices = [(q.id, q.definition.title.get(current_language())) for q in catalog.latest()]
    report, created = None, []
    if form.validate_on_submit():
        questionnaire = catalog.get(form.questionnaire.data)
        upload = form.upload.data
        data = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
        if not data:
            form.upload.errors = [_("Choose a file.")]
        elif len(data) > MAX_IMPORT_BYTES:
            form.upload.errors = [_("The file is larger than 2 MB; split it.")]
        else:
            report = read_rows(data, upload.filename or "upload", questionnaire)
            if not report.stopped and report.rows:
                session = get_session()
                created = import_rows(session=session, questionnaire=questionnaire, result=report,
                                      submit_complete=form.submit_complete.data, trust=trust_of(current_user))
                for item in created:
                    enterprise = session.get(Enterprise, item.enterprise_id)
                    enterprise.consultant_id = current_user.id
                    session.add(enterprise)
                session.commit()
                record("change", detail=f"imported {len(created)} rows of {upload.filename}")
    status = 400 if form.errors or (report and report.stopped) else 200
    return render_template("consultant/import.html", form=form, report=report, created=created,
                           listed=LISTED_PROBLEMS, max_rows=MAX_ROWS), status


@bp.get("/import/template.<fmt>")
@role_required("consultant")
def import_template(fmt: str):
    """The import template of a questionnaire (XLSX with a column guide, CSV, or the guide for CSV as Markdown)."""
    questionnaire = get_catalog().get(request.args.get("q", "")) or get_catalog().latest()[0]
    lang = current_language()
    if fmt == "xlsx":
        content, mimetype = write_template(questionnaire, "xlsx", lang), \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        content, mimetype = write_template(questionnaire, "csv", lang), "text/csv"
    elif fmt == "md":
        content, mimetype = write_template_guide(questionnaire, lang).encode("utf-8"), "text/markdown"
    else:
        abort(404)
    name = f"imready-import-{questionnaire.id}-{lang}.{fmt}"
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/branding", methods=["GET", "POST"])
@role_required("consultant")
def branding():
    """The name, colour and logo printed on this consultant's reports."""
    form = BrandingForm(obj=current_user)
    if form.validate_on_submit():
        logo = logo_upload(form.brand_logo.data)  # the field holds the saved logo (from `obj`) when no file was sent
        try:
            checked = Branding(form.brand_name.data or "", form.brand_colour.data, logo or current_user.brand_logo)
        except BrandingError as error:
            getattr(form, error.field).errors = [str(error)]
        else:
            session = get_session()
            current_user.brand_name, current_user.brand_colour = checked.name, checked.colour
            current_user.brand_logo = checked.logo
            session.add(current_user)
            session.commit()
            flash(_("Your branding is saved; it is printed on your reports."), "info")
            return redirect(url_for(".branding"))
    return render_template("consultant/branding.html", form=form), 400 if form.errors else 200
