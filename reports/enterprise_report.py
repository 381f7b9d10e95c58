"""The enterprise report: scores, comparison, priorities and the phased roadmap of one assessment, as a PDF.

`gather` collects what the report and the roadmap page need from the database; `figures` builds the Plotly figures
the page shows interactively and the PDF prints as images; `render_report` prints the PDF in a language, with optional
consultant branding. Runs inside an application context (templates and translations come from the app).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, select

from assessment.answers import visible_questions
from assessment.classifications import INDUSTRY_TYPE_LABELS, SIZE_LABELS, load_industries, load_regions
from assessment.cohorts.groups import CohortComparison
from assessment.roadmap import Plan, Settings, Target, build_plan
from assessment.scoring import Result
from questionnaires.catalog import Catalog
from questionnaires.loader import Questionnaire
from questionnaires.vocabulary import PARADIGMS, paradigm_name
from reports.chart_export import ChartSize
from reports.display import describe_answer, describe_cohort, describe_standing, format_score
from reports.figures import comparison_chart, paradigm_bars, you_label
from reports.logo import LogoError, prepare_logo
from reports.pdf import Charts, PendingCharts, data_uri, finish_report, start_charts
from reports.roadmap_figures import cohort_radar, gap_chart, priority_chart, timeline_chart
from reports.standard import overall_title, standard_view
from storage.kpis import KpiChange, kpi_changes
from storage.statistics import comparison
from storage.tables import Assessment, AssessmentComment, Enterprise, StatisticsRelease
from storage.verification import Standing, standing

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#2f6f9f"


class BrandingError(ValueError):
    """Branding that cannot be printed, with the field it concerns."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(message)


@dataclass(frozen=True)
class Branding:
    """Who prepared the report: a name, a colour for headings and bands, and a PNG or JPEG logo (kept as
    `reports.logo.prepare_logo` makes it: checked, and scaled down to what the cover prints)."""

    name: str = ""
    colour: str = DEFAULT_COLOUR
    logo: bytes | None = None
    logo_type: str | None = None

    def __post_init__(self) -> None:
        if len(self.name) > 120:
            raise BrandingError("brand_name", _("The name is longer than 120 characters."))
        if not COLOUR.match(self.colour):
            raise BrandingError("brand_colour", _("The colour must look like #2f6f9f."))
        if self.logo is not None:
            try:
                logo, kind = prepare_logo(self.logo)
            except LogoError as error:
                raise BrandingError("brand_logo", str(error)) from None
            object.__setattr__(self, "logo", logo)
            object.__setattr__(self, "logo_type", kind)

    @property
    def logo_uri(self) -> str | None:
        """The logo as a data URI for the report, or None."""
        return data_uri(self.logo, self.logo_type) if self.logo else None


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows about one submitted assessment."""

    questionnaire: Questionnaire
    assessment: Assessment
    enterprise: Enterprise
    result: Result
    compared: CohortComparison | None
    plan: Plan | None  # None when the questionnaire declares no roadmap
    comments: tuple[str, ...] = field(default_factory=tuple)
    kpis: tuple[KpiChange, ...] = field(default_factory=tuple)  # the enterprise's own KPIs, then and now
    standing: Standing | None = None  # self-declared or verified (storage/verification.py); None: self-declared


@dataclass(frozen=True)
class Rendered:
    """A printed report and where its time went; `html` names its charts by placeholder, which `charts` resolves
    (`render_pdf(html, charts=charts)` prints it again)."""

    pdf: bytes
    charts: Charts
    html_seconds: float
    pdf_seconds: float
    html: str


def gather(
    *, session: Session, catalog: Catalog, assessment: Assessment, settings: Settings, result: Result,
    release: StatisticsRelease | None = None,
) -> ReportData:
    """The comparison (with `release`, the latest unless given) and the plan of a submitted assessment whose result
    has been read back."""
    questionnaire = catalog.get(assessment.questionnaire_id, assessment.questionnaire_version)
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    compared = comparison(
        session=session, assessment=assessment, result=result, questionnaire=questionnaire, release=release
    )
    plan = None
    if questionnaire.definition.roadmap is not None:
        plan = build_plan(
            questionnaire,
            result,
            compared,
            settings,
            industry_type=enterprise.industry_type,
            size=enterprise.size_class,
        )
    comments = session.exec(select(AssessmentComment).where(AssessmentComment.assessment_id == assessment.id)
                            .order_by(AssessmentComment.id)).all()  # fmt: skip
    texts = tuple(f"{c.author}: {c.text}" if c.author else c.text for c in comments)
    kpis = tuple(kpi_changes(session=session, assessment=assessment))
    return ReportData(questionnaire, assessment, enterprise, result, compared, plan, texts, kpis,
                      standing(session=session, assessment=assessment))


def figure_labels() -> dict[str, str]:
    """Legend and axis wording of the report's charts in the current language."""
    return {
        "you": you_label(),
        "median": _("Median"),
        "p90": _("Best in class (90th percentile)"),
        "best": _("Best in class (90th percentile)"),
        "middle": _("Middle half of the group (Q1–Q3)"),
        "score": _("Score today"),
        "gap": _("Gap to target"),
        "weight": _("Weight in the overall score"),
        "cohort": _("Distance below the group median"),
        "goals": _("Business goals served"),
        "months": _("Months from now"),
    }


def figures(data: ReportData, lang: str) -> dict[str, tuple]:
    """Chart name -> (Plotly figure, printed size); the same figures the pages show."""
    q, result, compared, plan = data.questionnaire, data.result, data.compared, data.plan
    labels = figure_labels()
    names = {d.id: d.name.get(lang) for d in q.dimensions}
    charts = {"radar": (cohort_radar(q, result, compared, lang, labels), ChartSize(700, 470))}
    if q.has_paradigms:
        charts["paradigms"] = (paradigm_bars(q, result, lang), ChartSize(700, 230))
    if compared is not None:
        rows = [(names[d.id], compared.nodes[d.id]) for d in q.dimensions if d.id in compared.nodes]
        paradigm_rows = [
            (paradigm_name(p, lang), compared.nodes[node.id])
            for p, node in q.paradigm_nodes.items()
            if node.id in compared.nodes
        ]
        top = max(q.score_tops[d.id] for d in q.dimensions)
        charts["dimension_comparison"] = (comparison_chart(rows, top, "", labels), ChartSize(700, 150 + 34 * len(rows)))
        if paradigm_rows:
            charts["paradigm_comparison"] = (comparison_chart(paradigm_rows, 100, " %", labels), ChartSize(700, 250))
    if plan is not None and plan.priorities:
        height = 120 + 28 * len(plan.priorities)
        charts["gaps"] = (gap_chart(plan, names, labels), ChartSize(700, height))
        charts["priorities"] = (priority_chart(plan, names, labels), ChartSize(700, height))
    if plan is not None and plan.steps:
        paradigm_names = {p: paradigm_name(p, lang) for p in PARADIGMS}
        rows = len({step.dimension for step in plan.steps})
        charts["timeline"] = (
            timeline_chart(plan, names, paradigm_names, labels["months"]),
            ChartSize(700, 140 + 30 * rows),
        )
    return charts


def start_report_charts(data: ReportData, lang: str, *, charts: bool = True) -> PendingCharts | None:
    """Start drawing the report's charts in the background (None: charts off, or none to draw)."""
    if not charts:
        return None
    with force_locale(lang):
        drawn = figures(data, lang)
    return start_charts(drawn, current_app.config.get("CHROMIUM_PATH"))


def render_report(data: ReportData, lang: str, branding: Branding = Branding(), *, charts: bool = True,
                  pending: PendingCharts | None = None) -> Rendered:  # fmt: skip
    """Print the report in `lang`; charts through the browser unless `charts` is False or the browser fails.
    `pending`: its charts, already started by `start_report_charts` (a batch starts the next report's early)."""

    def html_for(drawn: Charts) -> str:
        with force_locale(lang):
            return render_html(data, lang, branding, drawn)

    printed = finish_report(pending or start_report_charts(data, lang, charts=charts), html_for)
    return Rendered(printed.pdf, printed.charts, printed.html_seconds, printed.pdf_seconds, printed.html)


def render_html(data: ReportData, lang: str, branding: Branding, charts: Charts) -> str:
    """The report as HTML for WeasyPrint (call within `force_locale(lang)`)."""
    q, enterprise, result = data.questionnaire, data.enterprise, data.result
    regions = load_regions()
    region = " / ".join(r.name(lang) for r in regions.path(enterprise.region_code)[1:])
    industry = load_industries()[enterprise.industry_code]
    compared = data.compared
    levels = {band.level: band.name.get(lang) for band in q.bands(q.nodes[q.dimensions[0].id])}
    dimension_rows = []
    for dimension in q.dimensions:
        node = result.nodes[dimension.id]
        row = compared.nodes.get(dimension.id) if compared else None
        dimension_rows.append((dimension, node, row))
    submitted = data.assessment.submitted_at or datetime.now(UTC)
    return render_template(
        "reports/enterprise.html",
        q=q,
        data=data,
        enterprise=enterprise,
        region=region,
        industry=f"{industry.code} {industry.name(lang)}",
        industry_type=INDUSTRY_TYPE_LABELS[enterprise.industry_type][lang],
        size=SIZE_LABELS[enterprise.size_class][lang],
        result=result,
        overall=result.overall(q),
        overall_title=overall_title(q),
        standard=standard_view(q, result, [], lang),
        top=format_score(q.score_tops[q.overall_node.id], 0),
        overall_row=compared.nodes.get(q.overall_node.id) if compared else None,
        paradigms=[
            (p, paradigm_name(p, lang), node, compared.nodes.get(q.paradigm_nodes[p].id) if compared else None)
            for p, node in result.paradigms(q).items()
        ],
        dimension_rows=dimension_rows,
        levels=levels,
        compared=compared,
        cohort_name=describe_cohort(compared.cohort, lang) if compared else "",
        passed_names=[describe_cohort(c, lang) for c in compared.passed] if compared else [],
        k=current_app.config["BENCHMARK_MIN_GROUP"],
        plan=data.plan,
        names={d.id: d.name.get(lang) for d in q.dimensions},
        paradigm_names={p: paradigm_name(p, lang) for p in PARADIGMS},
        charts=charts,
        branding=branding,
        submitted=submitted,
        standing_text=describe_standing(data.standing or Standing("self_declared", 1), lang),
        printed=datetime.now(UTC),
        answers=answer_rows(q, result, lang),
        in_place=in_place_rows(q, data.plan, result, lang),
        format_score=format_score,
        prerequisites=_prerequisite_texts(q),
        fmt=Wording(q, lang),
    )


class Wording:
    """How the report names goals, targets, paradigms' work, audiences and steps, in the current language."""

    def __init__(self, q: Questionnaire, lang: str):
        self.lang = lang
        self.names = {d.id: d.name.get(lang) for d in q.dimensions}
        self.levels = {band.level: band.name.get(lang) for band in q.bands(q.nodes[q.dimensions[0].id])}

    def _list(self, english: str) -> str:
        """Between items of a list: Chinese takes "；", since names such as 装备、自动化与网络 hold "、" already."""
        return "；" if self.lang == "zh" else english

    def dimension_list(self, priorities) -> str:
        # "; " in English too: names such as "Strategy, organisation and talent" hold commas
        return self._list("; ").join(self.names[p.dimension] for p in priorities)

    def paradigm_list(self, paradigms) -> str:
        return " · ".join(paradigm_name(p, self.lang) for p in paradigms)

    def paradigm_work(self, paradigms) -> str:
        return " · ".join(PARADIGM_WORK[p]() for p in paradigms)

    def step_titles(self, steps) -> str:
        return self._list("; ").join(step.action.title.get(self.lang) for step in steps)

    def goal_list(self, goals) -> str:
        return self._list(", ").join(GOAL_NAMES[goal]() for goal in sorted(goals))

    def target(self, target: Target) -> str:
        if target.kind == "paradigm":
            return _("reach %(paradigm)s", paradigm=paradigm_name(target.paradigm, self.lang))
        return TARGET_NAMES[target.kind]()

    def audience(self, variant: str) -> str:
        """The audiences of the variants an action took fields from ("process + micro small"), in words."""
        words = {
            **{k: v[self.lang] for k, v in INDUSTRY_TYPE_LABELS.items()},
            **{k: v[self.lang] for k, v in SIZE_LABELS.items()},
        }
        return "; ".join(
            ", ".join(words.get(part, part).lower() for part in audience.split()) for audience in variant.split(" + ")
        )

    def step_list(self, steps) -> str:
        return ", ".join(_("%(dimension)s level %(level)s", dimension=self.names[d], level=level) for d, level in steps)

    def level_list(self, levels) -> str:
        return ", ".join(f"{level} {name}" for level, name in sorted(levels.items()))

    def paradigm_levels(self, paradigm_levels) -> str:
        return ", ".join(
            _("%(paradigm)s at level %(level)s", paradigm=paradigm_name(p, self.lang), level=level)
            for p, level in paradigm_levels.items()
        )


GOAL_NAMES = {
    "cost": lambda: _("lower cost"),
    "quality": lambda: _("better quality"),
    "delivery": lambda: _("faster, more reliable delivery"),
    "flexibility": lambda: _("flexibility and customisation"),
    "energy": lambda: _("energy and emissions"),
    "safety": lambda: _("safety"),
}
TARGET_NAMES = {
    "next_level": lambda: _("next level"),
    "upper_quartile": lambda: _("group's upper quartile"),
    "best_in_class": lambda: _("group's best in class"),
}
PARADIGM_WORK = {
    "digital": lambda: _("digital remediation"),
    "networked": lambda: _("networked integration"),
    "intelligent": lambda: _("intelligent upgrading"),
}


def answer_rows(q: Questionnaire, result: Result, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The appendix: each page's questions with the answers given, as the respondent would read them; a question
    its condition hides for the final answers was not asked, so neither it nor an answer left from before shows."""
    visible = visible_questions(q, result.answers)
    pages = []
    for dimension in q.dimensions:
        rows = []
        for question in dimension.questions:
            if question.id in result.answers and question.id in visible:
                rows.append((question.text.get(lang), describe_answer(question, result.answers[question.id], lang)))
        pages.append((dimension.name.get(lang), rows))
    return pages


def in_place_rows(q: Questionnaire, plan: Plan | None, result: Result, lang: str) -> list[tuple]:
    """The steps the plan leaves out because the answers show them in place: (dimension id, level, action title,
    [(question, the answer given)]) in page order."""
    rows = []
    for item in plan.in_place if plan else ():
        evidence = []
        for condition in item.conditions:
            question = q.questions[condition.question]
            evidence.append((question.text.get(lang), describe_answer(question, result.answers.get(question.id), lang)))
        rows.append((item.dimension, item.level, item.action.title.get(lang), evidence))
    return rows


def _prerequisite_texts(q: Questionnaire) -> dict[tuple[str, int], list]:
    """(dimension, level) -> the prerequisites declared for that step."""
    texts: dict[tuple[str, int], list] = {}
    roadmap = q.definition.roadmap
    for prerequisite in roadmap.prerequisites if roadmap else ():
        texts.setdefault((prerequisite.dimension, prerequisite.level), []).append(prerequisite)
    return texts

