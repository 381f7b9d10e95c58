"""The agencies' view: regions compared on one page, the same table as CSV and XLSX, and the same comparison as a
printed PDF report.

The query string is the whole selection, so a page can be bookmarked, shared and exported as it is. The page, its
charts, both exports and the report are drawn from one `Comparison`: one `ComparisonTable` (one `cohort_stats` call)
and the `Conditions` of the same regions (one query for the regional index, one for its sources); published figures
are listed apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import plotly.graph_objects as go
from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlmodel import Session, col, select
from wtforms import SelectField, SelectMultipleField

from assessment.classifications import INDUSTRY_TYPE_LABELS, SIZE_LABELS, load_industries, load_regions
from assessment.cohorts.groups import ALL
from assessment.published import Publication, publications
from assessment.regional.comparison import ComparisonTable, Selection, Wording, build_table, reached_level
from assessment.regional.conditions import Conditions, ConditionsWording, build_conditions
from assessment.regional.index import load_index_definition
from questionnaires.loader import Questionnaire
from questionnaires.vocabulary import paradigm_name
from reports import agency_figures
from reports.region_export import SheetWording, table_csv, table_xlsx
from storage.access import within_jurisdiction
from storage.db import get_session
from storage.reference_data import indicator_periods, published_benchmarks, regional_index_table
from storage.statistics import cohort_stats, stats_periods
from storage.tables import RegionalIndicator
from web.access import jurisdiction, role_required
from web.catalog import get_catalog
from web.display import format_share
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


def selection_form() -> tuple[ComparisonForm, Questionnaire | None]:
    """The form read from the query string with its choices, and the chosen questionnaire (None: no statistics)."""
    lang, catalog, session = current_language(), get_catalog(), get_session()
    periods_of = {q.id: stats_periods(session=session, questionnaire_id=q.id) for q in catalog.latest()}
    with_stats = [q for q in catalog.latest() if periods_of[q.id]]
    chosen = catalog.get(request.args.get("q", "")) or (with_stats[0] if with_stats else None)
    periods = periods_of.get(chosen.id, []) if chosen else []
    period = request.args.get("period") or (str(periods[-1]) if periods else "")
    form = ComparisonForm(request.args, meta={"csrf": False}, q=chosen.id if chosen else "", period=period, base="",
                          within="", industry=ALL, size=ALL, lag_level=DEFAULT_LAGGING[0],
                          lag_dimensions=DEFAULT_LAGGING[1])
    form.q.choices = [(q.id, q.definition.title.get(lang)) for q in with_stats]
    form.period.choices = [(str(p), str(p)) for p in reversed(periods)]
    form.base.choices = [("", _("No comparison"))] + [(str(p), str(p)) for p in reversed(periods[:-1])]
    regions, allowed = load_regions(), jurisdiction()
    form.within.choices = [("", _("All provinces with data") if allowed is None else _("My jurisdiction"))] + [
        (p.code, _("%(province)s and its cities", province=p.name(lang))) for p in regions.provinces()
        if regions.children(p.code) and within_jurisdiction(p.code, allowed)]
    form.region.choices = [(code, label) for code, label in
                           [(regions.country.code, regions.country.name(lang)), *regions.choices(lang)]
                           if within_jurisdiction(code, allowed)]  # an analyst picks within its jurisdiction only
    form.industry.choices = [(ALL, _("All manufacturing"))] + [
        (kind, _("%(type)s industries", type=labels[lang])) for kind, labels in INDUSTRY_TYPE_LABELS.items()] + [
        (i.code, f"{i.code} {i.name(lang)}") for i in sorted(load_industries().values(), key=lambda i: i.code)]
    form.size.choices = [(ALL, _("All sizes"))] + [(size, labels[lang]) for size, labels in SIZE_LABELS.items()]
    bands = chosen.bands(chosen.nodes[chosen.dimensions[0].id]) if chosen else []
    form.lag_level.choices = [(str(b.level), f"{b.level} {b.name.get(lang)}") for b in bands if b.level > 0]
    form.lag_dimensions.choices = [(str(n), str(n)) for n in range(1, len(chosen.dimensions) + 1)] if chosen else []
    return form, chosen


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
        # change statistics are kept between consecutive periods only
        periods = [value for value, _label in form.period.choices][::-1]
        position = periods.index(form.period.data)
        if not position or periods[position - 1] != form.base.data:
            problems.append(_("%(field)s: change is measured from the period just before %(period)s; "
                              "“%(value)s” is not.", field=form.base.label.text, period=form.period.data,
                              value=form.base.data))
    return problems


def selection_of(form: ComparisonForm, questionnaire: Questionnaire) -> Selection:
    """The validated form as a Selection; the default regions are the provinces (with data) and the country."""
    regions = load_regions()
    if form.region.data:
        codes, only_with_data = tuple(dict.fromkeys(form.region.data)), False
    elif form.within.data:
        codes = (form.within.data, *(city.code for city in regions.children(form.within.data)))
        only_with_data = False
    elif jurisdiction() is not None:
        codes = (jurisdiction(), *(region.code for region in regions.children(jurisdiction())))
        only_with_data = False
    else:
        codes = (*(p.code for p in regions.provinces()), regions.country.code)
        only_with_data = True
    return Selection(questionnaire_id=questionnaire.id, period=int(form.period.data), region_codes=codes,
                     base_period=int(form.base.data or 0), industry=form.industry.data, size=form.size.data,
                     lagging_level=int(form.lag_level.data), lagging_dimensions=int(form.lag_dimensions.data),
                     only_with_data=only_with_data)


def wording(questionnaire: Questionnaire, selection: Selection, lang: str) -> Wording:
    """The table's words in the reader's language."""
    reached = reached_level(questionnaire)
    band = next(b for b in questionnaire.bands(next(iter(questionnaire.paradigm_nodes.values())))
                if b.level == reached)
    return Wording(
        region_code=_("Region code"), region=_("Region"), enterprises=_("Enterprises"),
        synthetic=_("Synthetic enterprises"), levels=_("Overall level: share of enterprises (%)"),
        reached=_("Reaching the paradigm (%(band)s or above): share of enterprises (%%)", band=band.name.get(lang)),
        means=_("Mean score (0–5)"), gaps=_("Gap to best in class (p90 − mean)"),
        lagging=_("Lagging: share of enterprises (%)"),
        lagging_label=_("Below level %(level)s in at least %(count)s dimensions", level=selection.lagging_level,
                        count=selection.lagging_dimensions),
        change=_("Mean change since %(base)s (enterprises assessed in both periods)", base=selection.base_period),
        both_periods=_("Assessed in both periods"), overall=_("Overall (0–5)"),
        withheld_small=_("withheld: small group"),
        withheld_complementary=_("withheld so that a small group cannot be derived"),
        paradigm_names={p: paradigm_name(p, lang) for p in questionnaire.paradigm_nodes},
    )


def comparison_table(form: ComparisonForm, questionnaire: Questionnaire) -> ComparisonTable:
    """The table of a valid selection: one `cohort_stats` call for every region (and its change)."""
    lang, selection = current_language(), selection_of(form, questionnaire)
    stats = cohort_stats(session=get_session(), cohorts=selection.cohorts())
    return build_table(questionnaire=questionnaire, selection=selection, stats=stats, regions=load_regions(),
                       wording=wording(questionnaire, selection, lang), lang=lang)


def conditions_wording(period: int, periods: list[int]) -> ConditionsWording:
    """The index section's words in the reader's language; `periods` are those with indicators."""
    return ConditionsWording(
        heading=_("Regional enabling conditions (country = 100)"), index=_("Index"),
        coverage=_("Weight measured (%)"), missing=_("Missing indicators"), no_indicators=_("no indicators"),
        sub_index=_("Sub-index"), sub_index_weight=_("Weight of the sub-index"), indicator=_("Indicator (compared as)"),
        value=_("Value"), denominator=_("Denominator"), intensity=_("Intensity"),
        reference_intensity=_("Intensity of the country"), relative=_("Relative (country = 100)"),
        weight=_("Weight in the sub-index"), value_source=_("Source of the value"),
        denominator_source=_("Source of the denominator"), missing_reason=_("Left out because"),
        reasons={"value": _("no value"), "denominator": _("no denominator"),
                 "reference": _("no figure for the country")},
        summed=_("sum over the provinces"), formula=_("Formula of the regional index"),
        synthetic=_("Synthetic indicators"),
        synthetic_note=_("Some regional indicators are synthetic demo figures, not official statistics; their source "
                         "says so."),
        none_in_period=_("There are no regional indicators for %(period)s. Periods with indicators: %(periods)s.",
                         period=period, periods=", ".join(map(str, periods)) or _("none yet")),
        none_for_regions=_("None of the regions shown has regional indicators; they are kept for the provinces and "
                           "the country."),
    )


def indicator_sources(*, session: Session, period: int, region_codes: Iterable[str]) -> dict[tuple[str, str], str]:
    """The source of each (region, indicator) value of a period, in one query."""
    query = select(RegionalIndicator.region_code, RegionalIndicator.indicator, RegionalIndicator.source).where(
        RegionalIndicator.period == period, col(RegionalIndicator.region_code).in_(set(region_codes)))
    return {(code, indicator): source for code, indicator, source in session.exec(query)}


def conditions_of(table: ComparisonTable) -> Conditions:
    """The regional index of the table's regions, with its inputs and their sources; the periods that have
    indicators are only asked for when the table's period has none."""
    session, lang, regions, period = get_session(), current_language(), load_regions(), table.selection.period
    codes = [row.region_code for row in table.rows]
    # the provinces too: the country's value may be their sum
    sources = indicator_sources(session=session, period=period, region_codes=[
        regions.country.code, *(province.code for province in regions.provinces()), *codes])
    definition = load_index_definition()
    indices = regional_index_table(session=session, region_codes=codes, period=period,
                                   definition=definition) if sources else []
    periods = [] if sources else indicator_periods(session=session)
    return build_conditions(table=table, indices=indices, sources=sources, definition=definition, regions=regions,
                            wording=conditions_wording(period, periods), lang=lang)


def described(form: ComparisonForm, questionnaire: Questionnaire, table: ComparisonTable) -> list[tuple[str, str]]:
    """The selection as (label, text) lines: what the page, the XLSX and the report's cover say was compared."""
    selection = table.selection
    return [(_("Questionnaire"), f"{dict(form.q.choices)[questionnaire.id]} ({questionnaire.id})"),
            (_("Period"), str(selection.period)),
            (_("Change since"), dict(form.base.choices)[form.base.data]),
            (_("Regions"), ", ".join(f"{row.region_name} ({row.region_code})" for row in table.rows) or "–"),
            (_("Industry"), dict(form.industry.choices)[selection.industry]),
            (_("Size"), dict(form.size.choices)[selection.size]),
            (_("Lagging"), table.columns_of("lagging")[0].label),
            (_("Smallest group shown (k)"), str(current_app.config["BENCHMARK_MIN_GROUP"]))]


def withheld_rule() -> str:
    """The suppression rule, with k, in the reader's language."""
    return _("Figures of a group of fewer than %(k)s enterprises are withheld, and so are those that would let such "
             "a group be worked out from the others. Withheld cells are empty; their row says why.",
             k=current_app.config["BENCHMARK_MIN_GROUP"])


def synthetic_line(table: ComparisonTable) -> str:
    """How many of the table's regions include synthetic demonstration enterprises; "" when none does."""
    if not table.synthetic_rows:
        return ""
    return _("%(rows)s of the %(total)s regions include synthetic demonstration enterprises, which do not exist (see "
             "the column “Synthetic enterprises”).", rows=table.synthetic_rows, total=len(table.rows))


def about(form: ComparisonForm, questionnaire: Questionnaire, table: ComparisonTable) -> list[tuple[str, str]]:
    """The selection and the rules behind the figures, as (label, text) lines for the page and the XLSX."""
    lines = [*described(form, questionnaire, table),
             (_("Created"), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
             (_("Withheld cells"), withheld_rule())]
    if table.synthetic_rows:
        lines.append((_("Synthetic data"), synthetic_line(table)))
    return lines


@dataclass(frozen=True)
class Comparison:
    """Everything shown of one valid selection, by the page, both exports and the report alike."""

    form: ComparisonForm
    questionnaire: Questionnaire
    table: ComparisonTable
    conditions: Conditions
    about: list[tuple[str, str]]
    published: list[Publication]


def comparison(form: ComparisonForm, questionnaire: Questionnaire) -> Comparison:
    """The comparison of a validated form: the table, the regional index of its regions, the lines about them and
    the published figures."""
    table = comparison_table(form, questionnaire)
    return Comparison(form, questionnaire, table, conditions_of(table), about(form, questionnaire, table),
                      publications(published_benchmarks(session=get_session())))


def requested_comparison() -> Comparison | tuple[str, int]:
    """The comparison the query string asks for; for the files, the page saying what is wrong (400) when it is not
    a valid selection or there are no statistics."""
    form, questionnaire = selection_form()
    problems = form_problems(form) if questionnaire is not None else [_("There are no statistics to export yet.")]
    if problems:
        return render_template("agencies/index.html", form=form, problems=problems, table=None), 400
    return comparison(form, questionnaire)


def file_name(table: ComparisonTable, extension: str) -> str:
    """The name a file of the comparison is saved under, e.g. imready-regions-quick_check-2026.pdf."""
    return f"imready-regions-{table.selection.questionnaire_id}-{table.selection.period}.{extension}"


def attachment(content: bytes, mimetype: str, name: str) -> Response:
    """A file to save rather than show."""
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/")
@role_required("agency", "admin")
def index():
    """Regions side by side: the table, its charts and links to the same table as files."""
    form, questionnaire = selection_form()
    if questionnaire is None:
        return render_template("agencies/index.html", form=form, problems=[], table=None, empty=True)
    problems = form_problems(form)
    if problems:
        return render_template("agencies/index.html", form=form, problems=problems, table=None), 400
    shown = comparison(form, questionnaire)
    table, regions = shown.table, load_regions()
    index_figure = index_chart(shown.conditions)
    return render_template(
        "agencies/index.html", form=form, problems=[], table=table, about=shown.about,
        figures=[(chart_id, figure.to_json()) for chart_id, figure in charts(table)],
        query=request.query_string.decode(), conditions=shown.conditions,
        index_figure=index_figure.to_json() if index_figure else None,
        published=shown.published, format_share=format_share,
        link=lambda **changes: url_for("agencies.index", **selection_args(table.selection), **changes),
        drillable={row.region_code for row in table.rows if row.region_level == "province"
                   and regions.children(row.region_code)},
    )


def selection_args(selection: Selection) -> dict[str, str | int]:
    """The query-string arguments of a selection, but for its regions (links add `within` or `region`)."""
    return dict(q=selection.questionnaire_id, period=selection.period, base=selection.base_period or "",
                industry=selection.industry, size=selection.size, lag_level=selection.lagging_level,
                lag_dimensions=selection.lagging_dimensions)


def charts(table: ComparisonTable) -> list[tuple[str, go.Figure]]:
    """(id, figure) of each chart of the page and the report; charts with no figure to show (all withheld) are left
    out."""
    base = table.selection.base_period
    planned = [
        ("chart-levels", "levels", lambda: agency_figures.level_distribution(table, _("Overall level by region"))),
        ("chart-reached", "reached", lambda: agency_figures.paradigm_reach(
            table, _("Share of enterprises reaching each paradigm"))),
        ("chart-means", "means", lambda: agency_figures.dimension_heatmap(
            table, "means", _("Mean score per dimension (0–5)"))),
        ("chart-gaps", "gaps", lambda: agency_figures.dimension_heatmap(
            table, "gaps", _("Gap to best in class per dimension"), colorscale="Oranges")),
        ("chart-change", "change", lambda: agency_figures.paradigm_change(
            table, _("Mean change of paradigm progress since %(base)s (percentage points)", base=base))),
        ("chart-change-dimensions", "change", lambda: agency_figures.dimension_heatmap(
            table, "change", _("Mean change per dimension since %(base)s", base=base), colorscale="RdBu",
            midpoint=0.0)),
    ]
    return [(chart_id, draw()) for chart_id, group, draw in planned if table.has_figures(group)]


def index_chart(conditions: Conditions) -> go.Figure | None:
    """The chart of the regional index, or None when no region has one."""
    if not conditions.rows:
        return None
    return agency_figures.regional_index(
        conditions, _("Regional enabling-conditions index (country = 100)"),
        _("%(country)s = 100", country=load_regions().country.name(current_language())))


def sheet_wording() -> SheetWording:
    """The workbook's own words in the reader's language."""
    return SheetWording(
        regions=_("Regions"), index=_("Regional index"), inputs=_("Inputs"), published=_("Published figures"),
        about=_("About"),
        published_note=_("Published, not our data: shares of enterprises by level as published, on the "
                         "publications' own level scales."),
        published_headers=(_("Framework"), _("Year"), _("Scope"), _("Source"), _("Level (as published)"),
                           _("Share of enterprises (%)")))


def _export(kind: str):
    found = requested_comparison()
    if not isinstance(found, Comparison):
        return found
    table = found.table
    if kind == "csv":
        return attachment(table_csv(table, found.conditions), "text/csv; charset=utf-8", file_name(table, "csv"))
    content = table_xlsx(table, found.about, sheet_wording(), found.conditions, found.published)
    return attachment(content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      file_name(table, "xlsx"))


@bp.get("/export.csv")
@role_required("agency", "admin")
def export_csv():
    """The page's table as CSV (UTF-8 with BOM) with the regional index, for the same query string."""
    return _export("csv")


@bp.get("/export.xlsx")
@role_required("agency", "admin")
def export_xlsx():
    """The page's table, regional index, inputs and published figures as an XLSX workbook, for the same query."""
    return _export("xlsx")


@bp.get("/report.pdf")
@role_required("agency", "admin")
def report_pdf():
    """The page's comparison as a printed report (charts, tables, regional index, published figures, provenance), in
    the reader's language, for the same query string."""
    from reports.regional_report import render_regional_report  # here: the report is built on this module

    found = requested_comparison()
    if not isinstance(found, Comparison):
        return found
    pdf = render_regional_report(found, browser=current_app.config["CHROMIUM_PATH"])
    return attachment(pdf, "application/pdf", file_name(found.table, "pdf"))
