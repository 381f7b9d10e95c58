"""The figures as plain dicts (reports/figures.py and the modules beside it): each is the figure plotly's own
validation would build from it (so the page's plotly.js and the PDF's kaleido draw what go.Figure drew) in plotly's
default template trimmed to the trace types it draws (the others cost plotly.js time and change nothing), the
enterprise's marker is named 贵企业 in Chinese, a history of one assessment gets a date axis of a month, and a change
heatmap is centred on 0 only when changes go both ways."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import plotly.graph_objects as go
import plotly.io as pio
from flask_babel import force_locale
from test_history_page import history  # noqa: F401 - the fixture: an enterprise assessed twice, T0 in March 2024

from assessment.cohorts.groups import NodeComparison
from assessment.history import HistoryRow, Standing
from questionnaires.schema import Text
from reports.agency_figures import change_colours, scale
from reports.figures import comparison_chart, figure_json, you_label
from reports.history_figures import MIN_SPAN, timeline_chart

LABELS = {"middle": "Q1–Q3", "median": "Median", "best": "P90", "you": "You"}


def page_figures(text: str) -> dict[str, dict]:
    """Every chart of a page: its element id and the figure it hands to plotly.js."""
    return {element_id: json.loads(html.unescape(raw))
            for element_id, raw in re.findall(r'id="([^"]+)" class="chart" data-figure="([^"]+)"', text)}


def as_plotly_builds_it(figure: dict) -> dict:
    """The figure after plotly's validation (go.Figure), as JSON reads it back."""
    return json.loads(pio.to_json(go.Figure(figure)))


def test_every_chart_of_the_pages_is_the_figure_plotly_would_build(history):  # noqa: F811
    client, token = history["client"], history["tokens"][1]
    pages = [f"/workspace/history/{history['enterprise_id']}", f"/a/{token}/results",
             f"/a/{token}/roadmap?target=next_level&goal=cost"]
    charts = {(page, element_id): figure for page in pages
              for element_id, figure in page_figures(client.get(page).text).items()}
    assert {(pages[0], "timeline-chart"), (pages[0], "change-chart"), (pages[0], "paradigm-change-chart"),
            (pages[1], "radar-chart"), (pages[1], "paradigm-chart"), (pages[2], "gap-chart"),
            (pages[2], "priority-chart"), (pages[2], "timeline-chart")} <= set(charts)  # the roadmap's: phase lines
    for chart, figure in charts.items():
        assert as_plotly_builds_it(figure) == figure, chart
        template, default = figure["layout"]["template"], pio.templates["plotly"].to_plotly_json()
        assert template["layout"] == default["layout"]  # plotly's default look kept: colours, fonts, grid, margins
        types = {trace.get("type", "scatter") for trace in figure["data"]}
        assert template["data"] == {kind: default["data"][kind] for kind in types}, chart  # the types it draws only


def test_the_comparison_chart_by_hand(app):
    rows = [("Strategy", NodeComparison(score=3.1, rank=0.7, q1=1.5, median=2.25, q3=3.0, p90=4.0))]
    figure = json.loads(figure_json(comparison_chart(rows, 5, "", LABELS)))
    assert as_plotly_builds_it(figure) == figure
    middle, median, best, you = figure["data"]
    assert (middle["type"], middle["base"], middle["x"]) == ("bar", [1.5], [1.5])  # Q1 = 1.5, Q3 - Q1 = 1.5
    assert (median["x"], best["x"], you["x"], you["name"]) == ([2.25], [4.0], [3.1], "You")
    assert you["hovertemplate"] == "%{y}: %{x:.2f}<extra>You</extra>"
    assert figure["layout"]["xaxis"]["range"] == [-0.1, 5.2]  # -0.02 * 5 and 1.04 * 5
    assert figure["layout"]["height"] == 158  # 120 + 38 per row


def test_the_enterprise_marker_reads_gui_qiye_in_chinese_on_the_page_and_in_the_pdf(app):
    """Not 企业信息 ("enterprise information", the profile form's heading, which shares the English words)."""
    from reports.enterprise_report import figure_labels

    with app.test_request_context():
        with force_locale("zh"):
            assert you_label() == "贵企业" and figure_labels()["you"] == "贵企业"  # the page's charts, the PDF's
        with force_locale("en"):
            assert you_label() == figure_labels()["you"] == "Your enterprise"


def row(moment: datetime) -> HistoryRow:
    return HistoryRow(1, moment, "quick_check", "1.0", Text(en="Quick check", zh="快速评估"), Standing(2.5, 2), {})


def test_a_history_of_one_assessment_gets_a_month_of_dates_not_milliseconds(app):
    moment = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    layout = timeline_chart([row(moment)], "zh")["layout"]
    # 30 days centred on the one assessment: 15 days either side of 2026-03-10 14:00
    assert MIN_SPAN.days == 30
    assert layout["xaxis2"]["range"] == ["2026-02-23T14:00:00", "2026-03-25T14:00:00"]
    assert layout["xaxis"]["range"] == layout["xaxis2"]["range"]  # the two rows share the axis
    assert layout["xaxis2"]["type"] == "date" and layout["xaxis2"]["tickformat"] == "%Y-%m-%d"  # no hours, no ms
    # two assessments a year apart: plotly.js fits the axis to them
    layout = timeline_chart([row(datetime(2025, 3, 1)), row(moment)], "zh")["layout"]
    assert "range" not in layout["xaxis2"] and layout["xaxis2"]["tickformat"] == "%Y-%m-%d"
    # two on the same afternoon: a month around their middle (14:00 and 16:00: 15:00)
    layout = timeline_chart([row(moment), row(moment.replace(hour=16))], "en")["layout"]
    assert layout["xaxis2"]["range"] == ["2026-02-23T15:00:00", "2026-03-25T15:00:00"]


def test_a_change_heatmap_is_centred_on_zero_only_when_changes_go_both_ways():
    assert change_colours([0.25, None, -0.5]) == {"colorscale": "RdBu", "zmid": 0.0}  # losses red, gains blue
    # every change a gain (the issue: a scale of -0.5 to 0.5, half of it red, for gains alone): 0 to the largest
    assert change_colours([0.1, 0.4, None, 0.0]) == {"colorscale": "Blues", "zmin": 0.0, "zmax": 0.4}
    # every change a loss: the largest loss (-0.3) darkest red, 0 white
    assert change_colours([-0.1, -0.3]) == {"colorscale": "Reds", "reversescale": True, "zmin": -0.3, "zmax": 0.0}
    assert change_colours([0.0, None]) == {"colorscale": "Blues", "zmin": 0.0, "zmax": 1.0}  # no change: all white
    # the names are resolved here: plotly.js knows no "Oranges"
    assert scale("Oranges")[0] == [0.0, "rgb(255,245,235)"] and scale("Oranges")[-1][0] == 1.0
