"""Plotly figures of a roadmap and of an enterprise against its cohort, shared by the roadmap page and the report.

Figures are plain dicts, as in reports/figures.py."""

from __future__ import annotations

from assessment.cohorts.groups import CohortComparison
from assessment.roadmap import Plan
from assessment.scoring import Result
from questionnaires.loader import Questionnaire
from reports.figures import PARADIGM_COLOURS, Figure, figure, wrap

PART_COLOURS = {"gap": "#2f6f9f", "weight": "#7fa7c9", "cohort": "#c98a00", "goals": "#3c9d6b"}


def cohort_radar(
    questionnaire: Questionnaire, result: Result, compared: CohortComparison | None, lang: str, labels: dict[str, str]
) -> Figure:
    """The enterprise's dimension scores on a radar, with its cohort's median and best in class when there is one."""
    dimensions = [d for d in questionnaire.dimensions if result.nodes[d.id].score is not None]
    names = [wrap(d.name.get(lang), 14 if lang == "zh" else 24) for d in dimensions]
    closed = names + names[:1]
    traces = []
    if compared is not None:
        rows = [compared.nodes.get(d.id) for d in dimensions]
        if all(rows):
            for key, colour, dash in (("p90", "#c98a00", "dot"), ("median", "#777", "dash")):
                values = [round(getattr(row, key), 2) for row in rows]
                traces.append({"type": "scatterpolar", "r": values + values[:1], "theta": closed, "name": labels[key],
                               "line": {"color": colour, "dash": dash}})
    scores = [round(result.nodes[d.id].score, 2) for d in dimensions]
    traces.append({"type": "scatterpolar", "r": scores + scores[:1], "theta": closed, "name": labels["you"],
                   "fill": "toself", "line": {"color": "#2f6f9f"}})
    top = max((questionnaire.score_tops[d.id] for d in questionnaire.dimensions), default=5.0)  # 100: DMA scores
    return figure(
        traces,
        polar=dict(radialaxis=dict(range=[0, top], dtick=1 if top <= 5 else top / 5)),
        height=460,
        legend=dict(orientation="h", y=-0.08),
        margin=dict(l=120, r=120, t=30, b=40),
    )


def gap_chart(plan: Plan, names: dict[str, str], labels: dict[str, str]) -> Figure:
    """Each dimension's score and its target: the bar runs from where it is to where the target puts it."""
    rows = [p for p in plan.priorities]
    y = [names[p.dimension] for p in rows]
    traces = [
        {"type": "bar", "y": y, "x": [round(p.score, 2) for p in rows], "orientation": "h", "name": labels["score"],
         "marker": {"color": "#2f6f9f"}, "text": [f"{p.score:.2f}" for p in rows], "textposition": "inside"},
        {"type": "bar", "y": y, "x": [round(max(0.0, p.target_score - p.score), 2) for p in rows], "orientation": "h",
         "name": labels["gap"], "marker": {"color": "#e59a4c"},
         "text": [f"→ {p.target_score:.2f}" if p.target_score > p.score else "" for p in rows],
         "textposition": "outside"},
    ]
    return figure(
        traces,
        barmode="stack",
        xaxis=dict(range=[0, 5.6], dtick=1),
        yaxis=dict(autorange="reversed"),
        height=110 + 30 * len(rows),
        legend=dict(orientation="h", y=-0.12),
        margin=dict(l=230, r=30, t=20, b=50),
    )


def priority_chart(plan: Plan, names: dict[str, str], labels: dict[str, str]) -> Figure:
    """The four weighted parts of each dimension's priority, stacked; highest priority on top."""
    rows = list(plan.priorities)
    y = [names[p.dimension] for p in rows]
    traces = []
    for part in ("gap", "weight", "cohort", "goals"):
        values = [round(100 * plan.weights[part] * (getattr(p, part) or 0.0), 1) for p in rows]
        traces.append({"type": "bar", "y": y, "x": values, "orientation": "h", "name": labels[part],
                       "marker": {"color": PART_COLOURS[part]},
                       "hovertemplate": "%{y}: %{x:.1f}<extra>" + labels[part] + "</extra>"})
    return figure(
        traces,
        barmode="stack",
        yaxis=dict(autorange="reversed"),
        xaxis=dict(rangemode="tozero"),
        height=110 + 30 * len(rows),
        legend=dict(orientation="h", y=-0.12),
        margin=dict(l=230, r=30, t=20, b=50),
    )


def timeline_chart(plan: Plan, names: dict[str, str], paradigm_names: dict[str, str], month_label: str) -> Figure:
    """The plan as bars on a month axis, one row per dimension, coloured by paradigm; phases as dotted lines."""
    order = []
    for step in plan.steps:
        if step.dimension not in order:
            order.append(step.dimension)
    traces = []
    for paradigm, colour in PARADIGM_COLOURS.items():
        steps = [s for s in plan.steps if s.paradigm == paradigm]
        if not steps:
            continue
        traces.append({
            "type": "bar",
            "y": [names[s.dimension] for s in steps],
            "x": [s.end - s.start for s in steps],
            "base": [s.start for s in steps],
            "orientation": "h",
            "name": paradigm_names[paradigm],
            "marker": {"color": colour, "line": {"color": "white", "width": 1}},
            "text": [f"L{s.level}" for s in steps],
            "textposition": "inside",
            "insidetextanchor": "middle",
            "hovertemplate": "%{y} → L%{text}: %{base}–%{x}<extra></extra>",
        })
    # a dotted vertical line where each phase after the first starts, across the whole plot
    phases = [{"type": "line", "x0": phase.start, "x1": phase.start, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
               "line": {"color": "#999", "dash": "dot", "width": 1}} for phase in plan.phases[1:] if phase.steps]
    return figure(
        traces,
        shapes=phases,
        barmode="overlay",
        yaxis=dict(autorange="reversed", categoryorder="array", categoryarray=[names[d] for d in order]),
        xaxis=dict(title=dict(text=month_label), range=[0, plan.months + 1],
                   dtick=6),
        height=120 + 30 * max(1, len(order)),
        legend=dict(orientation="h", y=1.0, yanchor="bottom"),
        margin=dict(l=230, r=30, t=40, b=50),
    )
