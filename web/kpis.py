"""The KPIs an enterprise measures itself (OEE, defect rate, energy per unit, order lead time), entered with an
assessment through its resume link; the results page and the report show their change since the assessment before
(rules: storage/kpis.py)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField

from storage.db import get_session
from storage.kpis import KPIS, UNIT_MAX_LENGTH, KpiValue, check_kpi, kpi_changes, kpis_of, save_kpis
from web.access import record
from web.catalog import open_assessment

bp = Blueprint("kpis", __name__)

NAMES = {  # the same texts as templates/kpis/_macros.html's kpi_name
    "oee": _l("OEE (overall equipment effectiveness)"),
    "defect_rate": _l("Defect rate"),
    "energy_per_unit": _l("Energy per unit of output"),
    "lead_time": _l("Order lead time"),
}
PARTS = {"value": _l("value"), "unit": _l("unit"), "period_start": _l("period from"), "period_end": _l("period to")}
UNIT_NAMES = {"%": "%", "ppm": "ppm", "days": _l("days")}


def kpi_form_class() -> type[FlaskForm]:
    """The form of every KPI: value, unit (chosen, named, or fixed) and period, each as typed."""
    fields = {}
    for kpi, kind in KPIS.items():
        fields[f"{kpi}_value"] = StringField(NAMES[kpi], render_kw={"inputmode": "decimal", "size": 10})
        if len(kind.units) > 1:
            choices = [SelectChoice(unit, UNIT_NAMES[unit]) for unit in kind.units]
            fields[f"{kpi}_unit"] = SelectField(PARTS["unit"], choices=choices, default=kind.default_unit,
                                                validate_choice=False)
        elif not kind.units:
            fields[f"{kpi}_unit"] = StringField(PARTS["unit"], render_kw={"maxlength": UNIT_MAX_LENGTH, "size": 12,
                                                                          "placeholder": "kWh/t"})
        fields[f"{kpi}_period_start"] = StringField(PARTS["period_start"], render_kw={"type": "date"})
        fields[f"{kpi}_period_end"] = StringField(PARTS["period_end"], render_kw={"type": "date"})
    return type("KpiForm", (FlaskForm,), fields)


KpiForm = kpi_form_class()


@bp.route("/a/<token>/kpis", methods=["GET", "POST"])
def edit(token: str):
    """Enter or correct the assessment's KPIs; a KPI left empty is not entered (or is removed)."""
    assessment, _questionnaire = open_assessment(token)
    session = get_session()
    form = KpiForm()
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.validate_on_submit():
        values: dict[str, KpiValue | None] = {}
        for kpi, kind in KPIS.items():
            typed = {part: (form[f"{kpi}_{part}"].data or "") if f"{kpi}_{part}" in form else ""
                     for part in ("value", "unit", "period_start", "period_end")}  # fmt: skip
            if not any(typed[part].strip() for part in ("value", "period_start", "period_end")) and \
                    (len(kind.units) != 0 or not typed["unit"].strip()):  # fmt: skip
                values[kpi] = None  # left empty: not entered
                continue
            unit = typed["unit"] if f"{kpi}_unit" in form else kind.units[0]
            values[kpi], problems = check_kpi(kpi, typed["value"], unit, typed["period_start"], typed["period_end"])
            for part, problem in problems.items():
                errors.setdefault(kpi, []).append(_message(kpi, part, problem, unit))
        if not errors:
            save_kpis(session=session, assessment=assessment, values=values,
                      user_id=current_user.id if current_user.is_authenticated else None)
            record("change", enterprise_id=assessment.enterprise_id, assessment_id=assessment.id,
                   detail="KPIs entered: " + (", ".join(k for k, v in values.items() if v) or "none"))
            flash(_("Your KPIs are saved."), "info")
            if assessment.status == "submitted":
                return redirect(url_for("results.show", token=token) + "#kpis")
            return redirect(url_for("kpis.edit", token=token))
        flash(_("Please correct the KPIs marked below; nothing was saved."), "error")
    elif request.method == "GET":
        for row in kpis_of(session=session, assessment=assessment):
            form[f"{row.kpi}_value"].data = f"{row.value:g}"
            if f"{row.kpi}_unit" in form:
                form[f"{row.kpi}_unit"].data = row.unit
            form[f"{row.kpi}_period_start"].data = row.period_start.isoformat()
            form[f"{row.kpi}_period_end"].data = row.period_end.isoformat()
    return render_template(
        "kpis/edit.html", assessment=assessment, form=form, errors=errors, kpis=KPIS, names=NAMES,
        unit_names=UNIT_NAMES, changes=kpi_changes(session=session, assessment=assessment),
    ), 400 if errors or form.errors else 200


def _message(kpi: str, part: str, problem: str, unit: str) -> str:
    """A problem of one field, naming the KPI and the field."""
    kind = KPIS[kpi]
    if problem == "missing":
        text = _("this field is required")
    elif problem == "not_a_number":
        text = _("enter a number")
    elif problem == "out_of_range":
        limit = kind.maximum.get(unit if kind.units else "", max(kind.maximum.values()))
        largest = format(limit, ",.0f")
        text = _("enter a number from 0 to %(max)s", max=largest)
    elif problem == "unknown_unit":
        text = _("choose one of the units offered")
    elif problem == "too_long":
        text = _("at most %(count)s characters", count=UNIT_MAX_LENGTH)
    elif problem == "not_a_date":
        text = _("enter a date as YYYY-MM-DD")
    else:
        text = _("the period ends before it starts")
    return _("%(kpi)s, %(field)s: %(problem)s", kpi=NAMES[kpi], field=PARTS[part], problem=text)
