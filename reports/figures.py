"""Plotly figures of a result, built from plain objects so pages and printed reports draw the same charts."""

from __future__ import annotations

import plotly.graph_objects as go

from assessment.cohorts.groups import NodeComparison
from assessment.scoring import Result
from questionnaires.loader import Questionnaire
from questionnaires.vocabulary import PARADIGMS, paradigm_name

PARADIGM_COLOURS = {"digital": "#2f6f9f", "networked": "#3c9d6b", "intelligent": "#8a5cb8"}


def base_layout(**extra) -> dict:
    """The common look of every chart, with per-chart settings on top."""
    layout = dict(
        margin=dict(l=40, r=40, t=40, b=40),
        font=dict(family="Noto Sans CJK SC, Noto Sans, DejaVu Sans, sans-serif", size=13),
        paper_bgcolor="white",
    )
    layout.update(extra)
    return layout


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


def dimension_radar(questionnaire: Questionnaire, result: Result, lang: str, title: str) -> go.Figure:
    """The enterprise's dimension scores (0-5, or 0-100 for DMA-style scores) on a radar; not-applicable dimensions
    left out."""
    names, scores = [], []
    for dimension in questionnaire.dimensions:
        node = result.nodes[dimension.id]
        if node.score is not None:
            names.append(dimension.name.get(lang))
            scores.append(round(node.score, 2))
    figure = go.Figure(
        go.Scatterpolar(r=scores + scores[:1], theta=names + names[:1], fill="toself", name=title,
                        line=dict(color="#2f6f9f"), hovertemplate="%{theta}: %{r}<extra></extra>")
    )
    top = max((questionnaire.score_tops[dimension.id] for dimension in questionnaire.dimensions), default=5.0)
    axis = dict(range=[0, top], dtick=1 if top <= 5 else top / 5)
    figure.update_layout(**base_layout(polar=dict(radialaxis=axis), showlegend=False, height=480,
                                       margin=dict(l=150, r=150, t=50, b=50)))
    return figure


def paradigm_bars(questionnaire: Questionnaire, result: Result, lang: str) -> go.Figure:
    """How far the enterprise has come in each of the three paradigms, 0-100 %."""
    paradigms = result.paradigms(questionnaire)
    names = [paradigm_name(p, lang) for p in PARADIGMS]
    values = [round(paradigms[p].score or 0.0, 1) for p in PARADIGMS]
    figure = go.Figure(
        go.Bar(x=values, y=names, orientation="h", marker_color=[PARADIGM_COLOURS[p] for p in PARADIGMS],
               text=[f"{v:.0f} %" for v in values], textposition="auto",
               hovertemplate="%{y}: %{x:.1f} %<extra></extra>")
    )
    figure.update_layout(**base_layout(xaxis=dict(range=[0, 100], ticksuffix=" %"), yaxis=dict(autorange="reversed"),
                                       height=260))
    return figure


def comparison_chart(rows: list[tuple[str, NodeComparison]], axis_max: float, suffix: str, labels: dict[str, str]
                     ) -> go.Figure:
    """The enterprise's scores against its cohort: the middle half (Q1 to Q3), the median and the best in class."""
    names = [name for name, _ in rows]
    middle = [c.q3 - c.q1 for _, c in rows]
    figure = go.Figure([
        go.Bar(y=names, x=middle, base=[c.q1 for _, c in rows], orientation="h", name=labels["middle"],
               marker_color="#d8e4ee", hovertemplate="%{y}: %{base:.2f}–%{x:.2f}<extra></extra>"),
        go.Scatter(y=names, x=[c.median for _, c in rows], mode="markers", name=labels["median"],
                   marker=dict(symbol="line-ns-open", size=18, color="#555", line=dict(width=3))),
        go.Scatter(y=names, x=[c.p90 for _, c in rows], mode="markers", name=labels["best"],
                   marker=dict(symbol="star", size=12, color="#c98a00")),
        go.Scatter(y=names, x=[c.score for _, c in rows], mode="markers", name=labels["you"],
                   marker=dict(symbol="diamond", size=13, color="#2f6f9f")),
    ])
    for trace in figure.data[1:]:
        trace.hovertemplate = f"%{{y}}: %{{x:.2f}}{suffix}<extra>{trace.name}</extra>"
    figure.update_layout(**base_layout(
        xaxis=dict(range=[-0.02 * axis_max, 1.04 * axis_max], ticksuffix=suffix), yaxis=dict(autorange="reversed"),
        barmode="overlay",
        height=120 + 38 * len(rows), legend=dict(orientation="h", y=-0.15), margin=dict(l=260, r=30, t=20, b=60),
    ))
    return figure
