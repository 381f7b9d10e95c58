"""Plotly figures of a region comparison, built from its table so that charts, page and exports agree.

Withheld regions keep their place on every chart, with no figure: bars are left out and marked "withheld", heatmap
cells stay blank and say so on hover. Shared by the agencies' page and printed reports, which take the charts of a
comparison, titled in the reader's language, from `comparison_charts` and `index_chart`.
"""

from __future__ import annotations

import functools

from flask_babel import gettext as _

from assessment.regional.comparison import Column, ComparisonTable, Row
from assessment.regional.conditions import Conditions
from reports.figures import PARADIGM_COLOURS, Figure, figure, wrap

LEVEL_COLOURS = ("#c8553d", "#e59a4c", "#f2d06b", "#9fc98d", "#4f9d69", "#2f6f5e")  # level 0 (red) to 5 (green)
ROW_HEIGHT = 24  # pixels per region on charts with one line per region
NO_CHANGE_TOP = 1.0  # the top of the colour scale of a change heatmap whose every change is 0 (all cells white)


def region_labels(table: ComparisonTable) -> list[str]:
    """Each row's region as an axis label, with its code added where two regions share a name."""
    return _labels(table.rows)


def _labels(rows) -> list[str]:
    names = [row.region_name for row in rows]
    return [f"{name} ({row.region_code})" if names.count(name) > 1 else name for name, row in zip(names, rows,
                                                                                                 strict=True)]


def _values(table: ComparisonTable, column: Column) -> list:
    index = table.columns.index(column)
    return [row.cells[index].value for row in table.rows]


def _reason(table: ComparisonTable, row: Row, group: str) -> str:
    """What a row's withheld cells say (the reason in its count cell), or "" when its figures are shown."""
    key = "both_periods" if group == "change" else "count"
    cell = row.cells[[column.key for column in table.columns].index(key)]
    return cell.text if cell.withheld else ""


def _withheld_marks(table: ComparisonTable, group: str, labels: list[str], horizontal: bool) -> list[dict]:
    """Annotations saying "withheld" where a region's bars are missing on purpose."""
    marks = []
    for row, label in zip(table.rows, labels, strict=True):
        if reason := _reason(table, row, group):
            position = dict(x=0, y=label, xanchor="left") if horizontal else dict(x=label, y=0, yanchor="bottom",
                                                                                 textangle=-90)
            marks.append(dict(text=reason, showarrow=False, font=dict(size=11, color="#6b7785"), **position))
    return marks


def _height(table: ComparisonTable) -> int:
    return max(260, 120 + ROW_HEIGHT * len(table.rows))


def _title(text: str) -> dict:
    return dict(text=text, font=dict(size=15), x=0, xanchor="left", y=0.98, yanchor="top")


def _bars(table: ComparisonTable, columns: list[Column], prefix: str, orientation: str, hover: str) -> list[dict]:
    """One bar trace per column, regions along the category axis."""
    labels = region_labels(table)
    category, value = ("y", "x") if orientation == "h" else ("x", "y")
    return [{"type": "bar", category: labels, value: _values(table, column), "name": column.label,
             "orientation": orientation, "marker": {"color": _colour(column, prefix)},
             "hovertemplate": f"%{{{category}}}: {hover}<extra>{column.label}</extra>"} for column in columns]


def _colour(column: Column, prefix: str) -> str:
    if column.level is not None:
        return LEVEL_COLOURS[column.level % len(LEVEL_COLOURS)]
    return PARADIGM_COLOURS.get(column.key.removeprefix(prefix), "#2f6f9f")


def level_distribution(table: ComparisonTable, title: str) -> Figure:
    """Stacked horizontal bars: the share of each region's enterprises at each overall level."""
    return figure(
        _bars(table, table.columns_of("levels"), "level_", "h", "%{x:.1f} %"),
        barmode="stack", height=_height(table), title=_title(title),
        xaxis=dict(range=[0, 100], ticksuffix=" %"), yaxis=dict(autorange="reversed", automargin=True),
        legend=dict(orientation="h", y=1.0, yanchor="bottom", traceorder="normal"),
        margin=dict(l=50, r=30, t=80, b=40),
        annotations=_withheld_marks(table, "levels", region_labels(table), horizontal=True))


def paradigm_reach(table: ComparisonTable, title: str) -> Figure:
    """Grouped bars: per region, the share of enterprises that have reached each paradigm."""
    return figure(
        _bars(table, table.columns_of("reached"), "reached_", "v", "%{y:.1f} %"),
        barmode="group", height=420, title=_title(title),
        yaxis=dict(range=[0, 100], ticksuffix=" %"), xaxis=dict(tickangle=-45, automargin=True),
        legend=dict(orientation="h", y=1.0, yanchor="bottom"), margin=dict(l=50, r=30, t=90, b=40),
        annotations=_withheld_marks(table, "reached", region_labels(table), horizontal=False))


def dimension_heatmap(table: ComparisonTable, group: str, title: str, colorscale: str = "Blues",
                      signed: bool = False) -> Figure:
    """A region x dimension heatmap of one group of columns (means, gaps or change); withheld cells blank. `signed`
    values (changes) are coloured by `change_colours`."""
    labels = region_labels(table)
    columns = [c for c in table.columns_of(group) if c.unit == "score" and c.key != "change_overall"]
    indexes = [table.columns.index(column) for column in columns]
    names = [wrap(column.label, 18) for column in columns]
    z = [[row.cells[i].value for i in indexes] for row in table.rows]
    colours = change_colours([value for line in z for value in line]) if signed else {"colorscale": colorscale}
    colours["colorscale"] = scale(colours["colorscale"])
    heat = dict(type="heatmap", z=z, x=names, y=labels,
                text=[[row.cells[i].text or _reason(table, row, group) or "–" for i in indexes] for row in table.rows],
                **colours, hoverongaps=True, xgap=1, ygap=1, hovertemplate="%{y} · %{x}: %{text}<extra></extra>")
    return figure(
        [heat], height=_height(table) + 100, title=_title(title), plot_bgcolor="#eef1f4",
        # the categories are given, so that rows or columns with every cell blank keep their place
        yaxis=dict(autorange="reversed", automargin=True, type="category", categoryorder="array",
                   categoryarray=labels),
        xaxis=dict(automargin=True, type="category", categoryorder="array", categoryarray=names))


@functools.cache
def scale(name: str) -> list:
    """A named colour scale as its list of [position, colour]: the names are plotly's (Python's), several of which
    (Oranges) plotly.js does not know, and those it knows (Blues) it draws differently."""
    from plotly.colors import get_colorscale  # imported here: only the first heatmap of a process pays for it

    return get_colorscale(name)


def change_colours(values: list[float | None]) -> dict:
    """The colour scale of a heatmap of changes: centred on 0 (losses red, gains blue) only when there are both;
    otherwise from 0 to the largest change in the one colour of its direction, so that a map of gains alone is not
    half an unused red scale."""
    shown = [value for value in values if value is not None]
    if any(value < 0 for value in shown) and any(value > 0 for value in shown):
        return {"colorscale": "RdBu", "zmid": 0.0}
    if any(value < 0 for value in shown):
        return {"colorscale": "Reds", "reversescale": True, "zmin": min(shown), "zmax": 0.0}  # the largest loss darkest
    return {"colorscale": "Blues", "zmin": 0.0, "zmax": max(shown, default=0.0) or NO_CHANGE_TOP}


def paradigm_change(table: ComparisonTable, title: str) -> Figure:
    """Grouped bars: per region, the mean change of each paradigm's progress for enterprises assessed twice."""
    columns = [column for column in table.columns_of("change") if column.unit == "points"]
    return figure(
        _bars(table, columns, "change_", "v", "%{y:+.1f}"),
        barmode="group", height=420, title=_title(title),
        xaxis=dict(tickangle=-45, automargin=True), yaxis=dict(zeroline=True, zerolinecolor="#6b7785"),
        legend=dict(orientation="h", y=1.0, yanchor="bottom"), margin=dict(l=50, r=30, t=90, b=40),
        annotations=_withheld_marks(table, "change", region_labels(table), horizontal=False))


def regional_index(conditions: Conditions, title: str, reference: str) -> Figure:
    """Horizontal bars: each region's enabling-conditions index, with the country's 100 marked as `reference`."""
    shown = conditions.with_index()
    labels = _labels([row for row, _ in shown])
    parts = [i for i, column in enumerate(conditions.columns) if column.key.startswith("sub_")]  # the sub-indices
    hover = ["<br>".join(f"{conditions.columns[i].label}: {row.cells[i].text or '–'}" for i in parts)
             for row, _ in shown]
    colours = ["#9aa5b1" if row.region_code == conditions.reference_code else "#2f6f9f" for row, _ in shown]
    bars = {"type": "bar", "orientation": "h", "y": labels, "x": [cell.value for _, cell in shown],
            "text": [cell.text for _, cell in shown], "textposition": "auto", "customdata": hover,
            "marker": {"color": colours}, "hovertemplate": "%{y}: %{x:.1f}<br>%{customdata}<extra></extra>"}
    height = max(260, 120 + ROW_HEIGHT * len(shown))
    return figure(
        [bars], height=height, title=_title(title), showlegend=False, margin=dict(l=50, r=30, t=70, b=40),
        xaxis=dict(rangemode="tozero", zeroline=True), yaxis=dict(autorange="reversed", automargin=True),
        shapes=[dict(type="line", x0=100, x1=100, yref="paper", y0=0, y1=1,
                     line=dict(color="#6b7785", dash="dash", width=1.5))],
        annotations=[dict(x=100, y=1, yref="paper", yanchor="bottom", text=reference, showarrow=False,
                          font=dict(size=11, color="#6b7785"))])


def comparison_charts(table: ComparisonTable) -> list[tuple[str, Figure]]:
    """(id, figure) of each chart of the page and the report, titled in the reader's language; charts with no
    figure to show (all withheld) are left out."""
    base = table.selection.base_period
    planned = [
        ("chart-levels", "levels", lambda: level_distribution(table, _("Overall level by region"))),
        ("chart-reached", "reached", lambda: paradigm_reach(table, _("Share of enterprises reaching each paradigm"))),
        ("chart-means", "means", lambda: dimension_heatmap(table, "means", _("Mean score per dimension (0–5)"))),
        ("chart-gaps", "gaps", lambda: dimension_heatmap(
            table, "gaps", _("Gap to best in class per dimension"), colorscale="Oranges")),
        ("chart-change", "change", lambda: paradigm_change(
            table, _("Mean change of paradigm progress since %(base)s (percentage points)", base=base))),
        ("chart-change-dimensions", "change", lambda: dimension_heatmap(
            table, "change", _("Mean change per dimension since %(base)s", base=base), signed=True)),
    ]
    # drawn only when needed: a group with every figure withheld has no chart
    return [(chart_id, draw()) for chart_id, group, draw in planned if table.has_figures(group)]


def index_chart(conditions: Conditions, country: str) -> Figure | None:
    """The chart of the regional index, its reference line named after `country`; None when no region has one."""
    if not conditions.rows:
        return None
    return regional_index(conditions, _("Regional enabling-conditions index (country = 100)"),
                          _("%(country)s = 100", country=country))
