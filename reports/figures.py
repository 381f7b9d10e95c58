"""Plotly figures of a result, built from plain objects so pages and printed reports draw the same charts.

Figures are plain dicts (`{"data": [...], "layout": {...}}`) in the form plotly.js reads: pages embed them as JSON
(`figure_json`) and kaleido prints them for PDFs. Building `plotly.graph_objects` figures instead validated and deep
copied every property, most of the results page's CPU; `tests/web/test_figure_dicts.py` checks that plotly's own
validation leaves each dict as it is.
"""

from __future__ import annotations

import functools
import json

from flask_babel import pgettext

from assessment.cohorts.groups import NodeComparison
from assessment.scoring import Result
from questionnaires.loader import Questionnaire
from questionnaires.vocabulary import PARADIGMS, paradigm_name

PARADIGM_COLOURS = {"digital": "#2f6f9f", "networked": "#3c9d6b", "intelligent": "#8a5cb8"}
Figure = dict  # {"data": [trace, ...], "layout": {...}}, as plotly.js and kaleido read it


def base_layout(**extra) -> dict:
    """The common look of every chart, with per-chart settings on top."""
    layout = dict(
        margin=dict(l=40, r=40, t=40, b=40),
        font=dict(family="Noto Sans CJK SC, Noto Sans, DejaVu Sans, sans-serif", size=13),
        paper_bgcolor="white",
    )
    layout.update(extra)
    return layout


def figure(traces: list[dict], **layout) -> Figure:
    """A figure from plain trace dicts and the common layout, in plotly's default template (as `go.Figure` had),
    trimmed to the trace types the figure draws."""
    types = tuple(sorted({trace.get("type", "scatter") for trace in traces}))  # scatter: plotly's default
    return {"data": traces, "layout": {**base_layout(**layout), "template": trimmed_template(types)}}


@functools.cache
def trimmed_template(types: tuple[str, ...]) -> dict:
    """plotly's default template with its layout and only the trace defaults of `types`: the whole template names two
    dozen trace types (3D surfaces, maps, tables...), 6.5 KB of JSON in every figure (2.7 KB trimmed) that plotly.js
    reads and the page carries (the results page's HTML: 71 KiB with it, 49 KiB trimmed), while the trace types a
    figure does not draw change nothing it shows. Shared between figures: never changed in place."""
    template = default_template()
    return {"data": {kind: template["data"][kind] for kind in types if kind in template["data"]},
            "layout": template["layout"]}


@functools.cache
def default_template() -> dict:
    """plotly's default template as a dict, read once per process (shared: never changed in place)."""
    import plotly.io as pio  # imported here: only the first figure of a process pays for it

    return pio.templates[pio.templates.default].to_plotly_json()


def figure_json(chart: Figure) -> str:
    """A figure as the JSON a page hands to plotly.js (static/js/charts.js)."""
    return json.dumps(chart, ensure_ascii=False, separators=(",", ":"))


def you_label() -> str:
    """The name of the enterprise's own marker on the charts (贵企业 in Chinese, not the 企业信息 of the profile
    form, which shares the English wording)."""
    return pgettext("chart", "Your enterprise")


def wrap(label: str, width: int) -> str:
    """A long axis label broken into lines of about `width` characters (at spaces when there are any)."""
    if len(label) <= width:
        return label
    if " " not in label:
        return "<br>".join(label[i : i + width] for i in range(0, len(label), width))
    lines, line = [], ""
    for word in label.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])


def dimension_radar(questionnaire: Questionnaire, result: Result, lang: str, title: str) -> Figure:
    """The enterprise's dimension scores (0-5, or 0-100 for DMA-style scores) on a radar; not-applicable dimensions
    left out."""
    names, scores = [], []
    for dimension in questionnaire.dimensions:
        node = result.nodes[dimension.id]
        if node.score is not None:
            names.append(dimension.name.get(lang))
            scores.append(round(node.score, 2))
    radar = {"type": "scatterpolar", "r": scores + scores[:1], "theta": names + names[:1], "fill": "toself",
             "name": title, "line": {"color": "#2f6f9f"}, "hovertemplate": "%{theta}: %{r}<extra></extra>"}
    top = max((questionnaire.score_tops[dimension.id] for dimension in questionnaire.dimensions), default=5.0)
    axis = dict(range=[0, top], dtick=1 if top <= 5 else top / 5)
    return figure([radar], polar=dict(radialaxis=axis), showlegend=False, height=480,
                  margin=dict(l=150, r=150, t=50, b=50))


def paradigm_bars(questionnaire: Questionnaire, result: Result, lang: str) -> Figure:
    """How far the enterprise has come in each of the three paradigms, 0-100 %."""
    paradigms = result.paradigms(questionnaire)
    names = [paradigm_name(p, lang) for p in PARADIGMS]
    values = [round(paradigms[p].score or 0.0, 1) for p in PARADIGMS]
    bars = {"type": "bar", "x": values, "y": names, "orientation": "h",
            "marker": {"color": [PARADIGM_COLOURS[p] for p in PARADIGMS]}, "text": [f"{v:.0f} %" for v in values],
            "textposition": "auto", "hovertemplate": "%{y}: %{x:.1f} %<extra></extra>"}
    return figure([bars], xaxis=dict(range=[0, 100], ticksuffix=" %"), yaxis=dict(autorange="reversed"), height=260)


def comparison_chart(rows: list[tuple[str, NodeComparison]], axis_max: float, suffix: str, labels: dict[str, str]
                     ) -> Figure:
    """The enterprise's scores against its cohort: the middle half (Q1 to Q3), the median and the best in class."""
    names = [name for name, _ in rows]

    def markers(values: list[float], name: str, marker: dict) -> dict:
        return {"type": "scatter", "y": names, "x": values, "mode": "markers", "name": name, "marker": marker,
                "hovertemplate": f"%{{y}}: %{{x:.2f}}{suffix}<extra>{name}</extra>"}

    traces = [
        {"type": "bar", "y": names, "x": [c.q3 - c.q1 for _, c in rows], "base": [c.q1 for _, c in rows],
         "orientation": "h", "name": labels["middle"], "marker": {"color": "#d8e4ee"},
         "hovertemplate": "%{y}: %{base:.2f}–%{x:.2f}<extra></extra>"},
        markers([c.median for _, c in rows], labels["median"],
                dict(symbol="line-ns-open", size=18, color="#555", line=dict(width=3))),
        markers([c.p90 for _, c in rows], labels["best"], dict(symbol="star", size=12, color="#c98a00")),
        markers([c.score for _, c in rows], labels["you"], dict(symbol="diamond", size=13, color="#2f6f9f")),
    ]
    return figure(
        traces, xaxis=dict(range=[-0.02 * axis_max, 1.04 * axis_max], ticksuffix=suffix),
        yaxis=dict(autorange="reversed"), barmode="overlay", height=120 + 38 * len(rows),
        legend=dict(orientation="h", y=-0.15), margin=dict(l=260, r=30, t=20, b=60),
    )
