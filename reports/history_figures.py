"""Plotly figures of an enterprise's history: the change from T0 to T1, and its scores over its assessments.

Built from the plain objects of assessment/history.py, so the history page and printed reports draw the same
charts; plain traces only, so kaleido renders them for PDFs. Figures are plain dicts, as in reports/figures.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from assessment.history import OVERALL_NAME, Change, HistoryComparison, HistoryRow
from questionnaires.vocabulary import PARADIGMS, paradigm_name
from reports.figures import PARADIGM_COLOURS, Figure, figure, wrap

SCORE_COLOUR = "#2f6f9f"
OVERALL_COLOUR = "#6b7785"
CONNECTOR_COLOUR = "#c9d3dc"
GAIN_COLOUR = "#3c9d6b"
LOSS_COLOUR = "#c8553d"
STEADY_COLOUR = "#6b7785"
NO_VALUE = "–"  # shown for a change that cannot be computed (not applicable on one side)
# The shortest stretch of time the timeline shows: one assessment (or a few on one day) would otherwise get an axis
# of a millisecond around it, ticked in hours and milliseconds; a month around it reads as a date.
MIN_SPAN = timedelta(days=30)
DATE_TICKS = "%Y-%m-%d"  # dates as numbers, the same in every language (plotly.js has no Chinese month names here)
# Where the two rows of the timeline sit (as make_subplots(rows=2, shared_xaxes=True, vertical_spacing=0.08,
# row_heights=[0.45, 0.55]) put them): the overall score above, the paradigms below.
TOP_ROW = [0.586, 1.0]
BOTTOM_ROW = [0.0, 0.506]


def change_chart(comparison: HistoryComparison, lang: str, labels: dict[str, str], overall: bool = True) -> Figure:
    """Each dimension (and the overall score, first) at T0 and T1 on 0-5, joined by a line, with the change written
    beside it. `labels` names the two assessments: {"before": ..., "after": ...}."""
    changes = ([comparison.overall] if overall else []) + list(comparison.dimensions)
    names = [_name(change, lang) for change in changes]
    colours = [SCORE_COLOUR] * len(changes)
    return _dumbbell(changes, names, colours, axis_max=5, decimals=2, suffix="", labels=labels)


def paradigm_change_chart(comparison: HistoryComparison, lang: str, labels: dict[str, str]) -> Figure:
    """The three paradigms at T0 and T1 on 0-100 %, in their colours, with the change in percentage points."""
    changes = list(comparison.paradigms)
    names = [paradigm_name(change.id, lang) for change in changes]
    colours = [PARADIGM_COLOURS[change.id] for change in changes]
    return _dumbbell(changes, names, colours, axis_max=100, decimals=1, suffix=" %", labels=labels)


def _name(change: Change, lang: str) -> str:
    name = wrap(change.name.get(lang), 18 if lang == "zh" else 34)
    return f"<b>{name}</b>" if change.kind == "overall" else name


def delta_text(delta: float | None, decimals: int) -> str:
    """A change as written beside the chart: signed, '±0' when it rounds to nothing, a dash when there is none."""
    if delta is None:
        return NO_VALUE
    if round(delta, decimals) == 0:
        return f"±{0:.{decimals}f}"
    return f"{delta:+.{decimals}f}"


def _delta_colour(delta: float | None, decimals: int) -> str:
    if delta is None or round(delta, decimals) == 0:
        return STEADY_COLOUR
    return GAIN_COLOUR if delta > 0 else LOSS_COLOUR


def _rounded(value: float | None, decimals: int) -> float | None:
    return None if value is None else round(value, decimals)


def _dumbbell(changes: Sequence[Change], names: list[str], colours: list[str], *, axis_max: float, decimals: int,
              suffix: str, labels: dict[str, str]) -> Figure:
    """T0 as an open circle, T1 as a filled one, a line between them, and the change to the right of both."""
    before = [_rounded(change.before, decimals) for change in changes]
    after = [_rounded(change.after, decimals) for change in changes]
    line_x: list[float | None] = []
    line_y: list[str | None] = []
    for name, start, end in zip(names, before, after, strict=True):
        if start is not None and end is not None:
            line_x += [start, end, None]
            line_y += [name, name, None]
    pad = 0.03 * axis_max
    text_x = [
        max([v for v in (start, end) if v is not None], default=0) + pad
        for start, end in zip(before, after, strict=True)
    ]
    def markers(values: list[float | None], name: str, marker: dict) -> dict:
        return {"type": "scatter", "x": values, "y": names, "mode": "markers", "name": name, "marker": marker,
                "hovertemplate": f"%{{y}}: %{{x:.{decimals}f}}{suffix}<extra>{name}</extra>"}

    traces = [
        {"type": "scatter", "x": line_x, "y": line_y, "mode": "lines", "line": {"color": CONNECTOR_COLOUR, "width": 4},
         "hoverinfo": "skip", "showlegend": False},
        markers(before, labels["before"], dict(symbol="circle-open", size=13, color=colours, line=dict(width=2.5))),
        markers(after, labels["after"], dict(symbol="circle", size=13, color=colours)),
        {"type": "scatter", "x": text_x, "y": names, "mode": "text",
         "text": [delta_text(c.delta, decimals) for c in changes], "textposition": "middle right",
         "showlegend": False, "hoverinfo": "skip",
         "textfont": {"color": [_delta_colour(c.delta, decimals) for c in changes], "size": 13}},
    ]
    return figure(
        traces,
        xaxis=dict(range=[-0.03 * axis_max, 1.17 * axis_max], ticksuffix=suffix, zeroline=False),
        yaxis=dict(autorange="reversed"),
        height=110 + 42 * len(changes),
        legend=dict(orientation="h", y=-0.12 if len(changes) > 3 else -0.3),
        margin=dict(l=250, r=30, t=20, b=60),
    )


def timeline_chart(rows: Sequence[HistoryRow], lang: str) -> Figure:
    """The overall score (0-5, above) and the three paradigms (0-100 %, below) over the assessments' dates."""
    moments = [_utc(row.submitted_at) for row in rows]
    dates = [moment.isoformat() for moment in moments]
    about = [f"{row.title.get(lang)} {row.version}" for row in rows]
    overall = [_rounded(row.overall.score, 2) for row in rows]
    traces = [{"type": "scatter", "x": dates, "y": overall, "mode": "lines+markers+text",
               "name": OVERALL_NAME.get(lang),
               "line": {"color": OVERALL_COLOUR, "width": 3}, "marker": {"size": 10},
               "text": ["" if score is None else f"{score:.2f}" for score in overall], "textposition": "top center",
               "customdata": about, "hovertemplate": "%{x|%Y-%m-%d}: %{y:.2f}<extra>%{customdata}</extra>",
               "xaxis": "x", "yaxis": "y"}]
    for paradigm in PARADIGMS:
        if not any(paradigm in row.paradigms for row in rows):
            continue  # questionnaires without paradigms (IMPULS, the EU DMA)
        scores = [_rounded(row.paradigms[paradigm].score, 1) if paradigm in row.paradigms else None for row in rows]
        traces.append({"type": "scatter", "x": dates, "y": scores, "mode": "lines+markers",
                       "name": paradigm_name(paradigm, lang),
                       "line": {"color": PARADIGM_COLOURS[paradigm], "width": 2.5}, "marker": {"size": 9},
                       "customdata": about, "hovertemplate": "%{x|%Y-%m-%d}: %{y:.1f} %<extra>%{customdata}</extra>",
                       "xaxis": "x2", "yaxis": "y2"})
    if all(score is None or score <= 5 for score in overall):
        top = dict(range=[-0.15, 5.5], dtick=1, zeroline=False)
    else:  # a questionnaire scored on 0-100 (the EU DMA) among them
        top = dict(range=[-3, 105], zeroline=False)
    time_axis = dict(type="date", tickformat=DATE_TICKS, **_time_range(moments))
    return figure(
        traces, height=480, legend=dict(orientation="h", y=-0.1), margin=dict(l=60, r=30, t=30, b=60),
        xaxis=dict(anchor="y", domain=[0.0, 1.0], matches="x2", showticklabels=False, **time_axis),
        yaxis=dict(anchor="x", domain=TOP_ROW, **top),
        xaxis2=dict(anchor="y2", domain=[0.0, 1.0], **time_axis),
        yaxis2=dict(anchor="x2", domain=BOTTOM_ROW, range=[-3, 105], ticksuffix=" %", zeroline=False),
    )


def _time_range(moments: Sequence[datetime]) -> dict:
    """No setting when the assessments span MIN_SPAN or more (plotly.js fits the axis to them); otherwise a range
    of MIN_SPAN centred on them."""
    if not moments or max(moments) - min(moments) >= MIN_SPAN:
        return {}
    middle = min(moments) + (max(moments) - min(moments)) / 2
    return {"range": [(middle - MIN_SPAN / 2).isoformat(), (middle + MIN_SPAN / 2).isoformat()]}


def _utc(moment: datetime) -> datetime:
    """A stored time as UTC without zone (plotly.js reads dates without an offset)."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
