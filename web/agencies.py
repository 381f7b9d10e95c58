"""The agencies' view: regions compared on one page, the same table as CSV and XLSX, and the same comparison as a
printed PDF report.

The query string is the whole selection, so a page can be bookmarked, shared and exported as it is. Here the query
is read and checked; the page, its charts, both exports and the report are then drawn from one
`RegionComparisonView` (reports/region_view.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField

from assessment.classifications import RegionTree, load_regions
from assessment.cohorts.groups import ALL
from assessment.regional.comparison import ComparisonTable, Selection
from assessment.regional.conditions import Conditions, IndexRow
from assessment.regional.selection import follows, selected_regions
from assessment.weighting import MAX_WEIGHT_RATIO
from jobs import regional_reports
from questionnaires.loader import Questionnaire
from reports.agency_figures import comparison_charts, index_chart
from reports.display import describe_source, format_share
from reports.figures import figure_json
from reports.region_export import table_csv, table_xlsx
from reports.region_view import RegionComparisonView, file_name, region_comparison
from reports.region_wording import SelectionChoices, selection_choices, sheet_wording
from storage.access import jurisdiction_of
from storage.db import get_session
from storage.margins import margin_summary
from storage.statistics import periods_with_statistics
from storage.tables import RegionalReportJob
from web.access import role_required
from web.catalog import get_catalog
from web.i18n import current_language

bp = Blueprint("agencies", __name__, url_prefix="/agencies")

DEFAULT_LAGGING = ("2", "2")  # below level 2 (standardised) in at least 2 dimensions
MAX_LISTED = 40  # a message lists the offered values when there are no more than this (not the 370 regions)


class ComparisonForm(FlaskForm):
    """The selection of a comparison; read from the query string, so no CSRF token (it changes nothing)."""

    q = SelectField(_l("Questionnaire"))
    period = SelectField(_l("Period"))
    base = SelectField(_l("Change since"))
    within = SelectField(_l("Regions"))
    region = SelectMultipleField(_l("Or choose regions"))
    industry = SelectField(_l("Industry"))
    size = SelectField(_l("Size"))
    lag_level = SelectField(_l("Lagging: below level"))
    lag_dimensions = SelectField(_l("in at least … dimensions"))
    index = SelectField(_l("Regional index"))
    verified = BooleanField(_l("Verified assessments only"))  # the verified-only release (storage/releases.py)
    weighted = BooleanField(_l("Weighted to the population"))  # figures raked to population margins, if any


def selection_form() -> tuple[ComparisonForm, SelectionChoices, Questionnaire | None]:
    """The form read from the query string, its choices, and the chosen questionnaire (None: no statistics)."""
    catalog, session = get_catalog(), get_session()
    periods_of = periods_with_statistics(session=session, catalog=catalog, verified_only=verified_only())
    with_stats = [catalog.get(questionnaire_id) for questionnaire_id in periods_of]
    chosen = catalog.get(request.args.get("q", "")) or (with_stats[0] if with_stats else None)
    periods = periods_of.get(chosen.id, []) if chosen else []
    choices = selection_choices(questionnaires=with_stats, chosen=chosen, periods=periods, regions=load_regions(),
                                jurisdiction=jurisdiction_of(current_user), lang=current_language())
    period = request.args.get("period") or (str(periods[-1]) if periods else "")
    form = ComparisonForm(request.args, meta={"csrf": False}, q=chosen.id if chosen else "", period=period, base="",
                          within="", industry=ALL, size=ALL, lag_level=DEFAULT_LAGGING[0],
                          lag_dimensions=DEFAULT_LAGGING[1], index=choices.index[0][0])
    for name, offered in choices.by_parameter().items():
        form[name].choices = offered
    imports = margin_summary(session=session)
    if imports:  # the newest margins name the option; without any it is not offered
        source, year = describe_source(imports[0][0], current_language()), imports[0][1]
        form.weighted.label.text = _("Weighted to the population (%(year)s)", year=year)
        form.weighted.description = source  # a census citation may run to several lines: shown on one, in full on hover
    else:
        del form.weighted
    return form, choices, chosen


def weighted() -> bool:
    """Whether the query asks for the figures weighted to the population (the checkbox sends `weighted=y`)."""
    return request.args.get("weighted", "") not in ("", "0", "false")


def verified_only() -> bool:
    """Whether the query restricts the view to verified assessments (the checkbox sends `verified=y`)."""
    return request.args.get("verified", "") not in ("", "0", "false")


def form_problems(form: ComparisonForm) -> list[str]:
    """What is wrong with the query, one sentence per field, naming the field and the value it got."""
    form.validate()
    problems = []
    for name, errors in form.errors.items():
        if not errors:
            continue
        field = form[name]
        offered = [str(value) for value, _label in field.choices or () if value]
        wrong = [value for value in field.raw_data or [] if value not in offered] or field.raw_data or []
        listed = ", ".join(offered) if len(offered) <= MAX_LISTED else _("see the form")
        problems.append(_("%(field)s: “%(value)s” is not one of the offered values (%(offered)s).",
                          field=field.label.text, value=", ".join(wrong) or _("empty"), offered=listed or _("none")))
    if not problems and form.base.data:
        periods = [int(value) for value, _label in reversed(form.period.choices)]
        if not follows(periods, int(form.period.data), int(form.base.data)):
            problems.append(_("%(field)s: change is measured from the period just before %(period)s; "
                              "“%(value)s” is not.", field=form.base.label.text, period=form.period.data,
                              value=form.base.data))
    return problems


def selection_of(form: ComparisonForm, questionnaire: Questionnaire) -> Selection:
    """The validated form as a Selection; the default regions are the provinces (with data) and the country."""
    codes, only_with_data = selected_regions(load_regions(), chosen=form.region.data or (),
                                             within=form.within.data or "", jurisdiction=jurisdiction_of(current_user))
    return Selection(questionnaire_id=questionnaire.id, period=int(form.period.data), region_codes=codes,
                     base_period=int(form.base.data or 0), industry=form.industry.data, size=form.size.data,
                     lagging_level=int(form.lag_level.data), lagging_dimensions=int(form.lag_dimensions.data),
                     only_with_data=only_with_data, index=form.index.data)


def comparison_view(form: ComparisonForm, choices: SelectionChoices,
                    questionnaire: Questionnaire) -> RegionComparisonView:  # fmt: skip
    """What the page, its files and its report show of a validated form, in the reader's language."""
    return region_comparison(session=get_session(), questionnaire=questionnaire,
                             selection=selection_of(form, questionnaire), choices=choices,
                             k=current_app.config["BENCHMARK_MIN_GROUP"], lang=current_language(),
                             verified_only=verified_only(), weighted=weighted())


def requested_view() -> RegionComparisonView | tuple[str, int]:
    """The comparison the query string asks for; for the files, the page saying what is wrong (400) when it is not
    a valid selection or there are no statistics."""
    form, choices, questionnaire = selection_form()
    problems = form_problems(form) if questionnaire is not None else [_("There are no statistics to export yet.")]
    if problems:
        return render_template("agencies/index.html", form=form, problems=problems, table=None), 400
    return comparison_view(form, choices, questionnaire)


def attachment(content: bytes, mimetype: str, name: str) -> Response:
    """A file to save rather than show."""
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def selection_args(selection: Selection) -> dict[str, str | int]:
    """The query-string arguments of a selection, but for its regions (links add `within` or `region`)."""
    return dict(q=selection.questionnaire_id, period=selection.period, base=selection.base_period or "",
                industry=selection.industry, size=selection.size, lag_level=selection.lagging_level,
                lag_dimensions=selection.lagging_dimensions, index=selection.index)


@dataclass(frozen=True)
class Drill:
    """Where the page stands in the analyst's hierarchy: the breadcrumb from the top of what the analyst may see
    (the country, or its jurisdiction) down to the regions shown, as (name, region code to open) steps with None for
    the top and "" for the step shown; the step one level up (None at the top); the rows that open into cities."""

    trail: list[tuple[str, str | None]]
    up: tuple[str, str | None] | None
    drillable: set[str]


def drill(regions: RegionTree, table: ComparisonTable, *, jurisdiction: str | None, within: str,
          chosen: bool) -> Drill:  # fmt: skip
    """The hierarchy around a comparison: `within` the province opened (the jurisdiction itself counts as the top, as
    its cities are shown there already), `chosen` whether the regions were picked one by one."""
    lang, top = current_language(), jurisdiction or regions.country.code
    opened = "" if chosen or within == jurisdiction else within  # a choice of regions replaces `within`
    trail: list[tuple[str, str | None]] = [(regions.get(top).name(lang), None)]
    for region in regions.path(opened)[len(regions.path(top)):] if opened else ():
        trail.append((region.name(lang), region.code))
    if chosen:
        trail.append((_("Regions chosen"), ""))
    up = trail[-2] if len(trail) > 1 else None
    trail[-1] = (trail[-1][0], "")
    # the region whose cities are listed already opens into nothing new
    listed = opened or (top if not chosen else "")
    drillable = {row.region_code for row in table.rows if row.region_level == "province"
                 and row.region_code != listed and regions.children(row.region_code)}
    return Drill(trail, up, drillable)


def province_level_runs(conditions: Conditions, regions: RegionTree) -> dict[str, int]:
    """The index table's runs of neighbouring city rows, which have no indicators of their own (they are kept for
    the provinces and the country): the first row of each run with its length, the others with 0, so that one note
    spans them instead of "no indicators" on every row."""
    def is_city(row: IndexRow) -> bool:
        return not row.inputs and regions.get(row.region_code).level == "city"

    runs: dict[str, int] = {}
    for city, rows in groupby(conditions.rows, key=is_city):
        rows = list(rows)
        if city:
            runs |= {row.region_code: 0 for row in rows} | {rows[0].region_code: len(rows)}
    return runs


def column_groups(table: ComparisonTable) -> list[tuple[str, str, int]]:
    """The table's column groups as (group, heading, number of columns), in order; the region's first."""
    return [(group, heading, len(list(columns)))
            for (group, heading), columns in groupby(table.columns, key=lambda c: (c.group, c.heading))]


@bp.get("/")
@role_required("agency", "admin")
def index():
    """Regions side by side: the table, its charts and links to the same table as files."""
    form, choices, questionnaire = selection_form()
    if questionnaire is None:
        return render_template("agencies/index.html", form=form, problems=[], table=None, empty=True,
                               verified_empty=verified_only())
    problems = form_problems(form)
    if problems:
        return render_template("agencies/index.html", form=form, problems=problems, table=None), 400
    shown = comparison_view(form, choices, questionnaire)
    table, regions = shown.table, load_regions()
    index_figure = index_chart(shown.conditions, regions.country.name(shown.lang))
    return render_template(
        "agencies/index.html", form=form, problems=[], table=table, about=shown.about,
        figures=[(chart_id, figure_json(figure)) for chart_id, figure in comparison_charts(table)],
        query=request.query_string.decode(), conditions=shown.conditions,
        index_figure=figure_json(index_figure) if index_figure else None,
        published=shown.published, format_share=format_share,
        link=lambda **changes: url_for("agencies.index", **selection_args(table.selection),
                                       **({"verified": "y"} if verified_only() else {}),
                                       **({"weighted": "y"} if weighted() else {}), **changes),
        weighted=shown.weighted, weight_cap=f"{MAX_WEIGHT_RATIO:g}",
        drill=drill(regions, table, jurisdiction=jurisdiction_of(current_user), within=form.within.data or "",
                    chosen=bool(form.region.data)),
        groups=column_groups(table), province_level=province_level_runs(shown.conditions, regions),
    )


@bp.get("/export.csv")
@role_required("agency", "admin")
def export_csv():
    """The page's table as CSV (UTF-8 with BOM) with the regional index, for the same query string."""
    found = requested_view()
    if not isinstance(found, RegionComparisonView):
        return found
    content = table_csv(found.table, found.conditions, found.weighted)
    return attachment(content, "text/csv; charset=utf-8", file_name(found.table, "csv"))


@bp.get("/export.xlsx")
@role_required("agency", "admin")
def export_xlsx():
    """The page's table, regional index, inputs and published figures as an XLSX workbook, for the same query."""
    found = requested_view()
    if not isinstance(found, RegionComparisonView):
        return found
    content = table_xlsx(found.table, found.about, sheet_wording(), found.conditions, found.published,
                         found.weighted)
    return attachment(content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      file_name(found.table, "xlsx"))


@bp.route("/report.pdf", methods=["GET", "POST"])
@role_required("agency", "admin")
def report_pdf():
    """The page's comparison as a printed report (charts, tables, regional index, published figures, provenance), in
    the reader's language, for the same query string: put on the queue, then its page shows when it is ready.

    Only the page's button prints (a POST with the form's token). A link, an old bookmark or one placed on another
    site, shows what would be printed and that button: it cannot make a signed-in analyst's browser fill the queue."""
    form, choices, questionnaire = selection_form()
    problems = form_problems(form) if questionnaire is not None else [_("There are no statistics to export yet.")]
    if problems:
        return render_template("agencies/index.html", form=form, problems=problems, table=None), 400
    query = request.query_string.decode()
    if request.method == "GET":
        return render_template("agencies/report_ask.html", query=query)
    session = get_session()
    if regional_reports.open_reports(session=session, user_id=current_user.id) >= regional_reports.OPEN_PER_USER:
        busy = _("You have %(count)s reports waiting or printing. Ask for another when one of them is ready.",
                 count=regional_reports.OPEN_PER_USER)
        return render_template("agencies/report_ask.html", query=query, problem=busy), 429
    job = regional_reports.queue_report(session=session, user_id=current_user.id,
                                        selection=selection_of(form, questionnaire), language=current_language(),
                                        jurisdiction=jurisdiction_of(current_user), verified_only=verified_only(),
                                        weighted=weighted())  # fmt: skip
    return redirect(url_for("agencies.report_job", job_id=job.id), 303)


def own_report_job(job_id: int) -> RegionalReportJob:
    """A regional report the current user asked for; 404 for anyone else's, as for one that does not exist."""
    job = get_session().get(RegionalReportJob, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


@bp.get("/reports/<int:job_id>")
@role_required("agency", "admin")
def report_job(job_id: int):
    """A queued regional report: waiting, printing (the page reloads itself), failed, or ready to download."""
    return render_template("agencies/report_job.html", job=own_report_job(job_id),
                           kept_days=regional_reports.KEPT_FOR.days)


@bp.get("/reports/<int:job_id>/report.pdf")
@role_required("agency", "admin")
def report_job_pdf(job_id: int):
    """A printed regional report's PDF, for the user who asked for it only."""
    job = own_report_job(job_id)
    if job.status != "done" or not Path(job.path).is_file():
        abort(404)
    response = send_file(job.path, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{job.file_name}"'  # as the other exports
    return response
