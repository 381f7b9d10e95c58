"""An enterprise's history on the quick check: a T0/T1 pair worked by hand, versions, refusals and the charts."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from assessment.answers import parse_answers
from assessment.history import HistoryRow, compare, history_rows
from assessment.scoring import Result, score
from factories import ROOT
from questionnaires.loader import load_questionnaire
from reports.chart_export import exporter
from reports.history_figures import change_chart, delta_text, paradigm_change_chart, timeline_chart
from storage.tables import Assessment


def plotted(figure: dict):
    """A figure dict as plotly's validated object: what plotly.js is given, read back with attributes."""
    import plotly.graph_objects as go

    return go.Figure(figure)

QUICK_CHECK = ROOT / "questionnaires" / "quick_check.yaml"
FULL = ROOT / "questionnaires" / "imready_full.yaml"
T0_ANSWERS = json.loads((ROOT / "questionnaires" / "examples" / "quick_check_answers.json").read_text("utf-8"))

# T0, the example answers, discrete profile (overall weights 1, 1, 1, 1 and 1.5 for products_services):
#   strategy_people   weighted mean: sp_strategy 2 (×2), sp_talent part_time 2      → (4 + 2)/3 = 2.0,   level 2
#   data_security     min: ds_data 2, measures backup + access_rights 1 + 1 = 2,
#                     sharing written_rules 2                                     → min = 2.0,         level 2
#   equipment_network en_automation 2 (×2), 25 % connected → 2, platform yes → 5  → (4 + 2 + 5)/4 = 2.75, level 2
#   operations        op_systems 2 (×2), apps equipment_monitoring 1, system_files 2 → (4 + 1 + 2)/4 = 1.75, level 1
#   products_services ps_lifecycle 2 (×2), cad_3d_pdm 2, connected products n/a  → (4 + 2)/3 = 2.0,    level 2
#   overall (2 + 2 + 2.75 + 1.75 + 1.5·2)/5.5 = 11.5/5.5 = 2.0909, level 2
#   digital     progress over 0-2:  100, 100, 100, 87.5, 100 → 487.5/5 = 97.5 %, level 4 (≥ 95)
#   networked   progress over 2-3:  0, 0, 75, 0, 0           → 75/5 = 15 %,      level 0 (< 20)
#   intelligent progress over 3-5:  all dimensions ≤ 3 → 0 %, level 0
T1_CHANGES = {
    "sp_strategy": 3,  # strategy_people (3·2 + 2)/3 = 8/3 = 2.6667, level 2 (no level change)
    "ds_data": 3,
    "ds_security_measures": ["backup", "access_rights", "network_separation", "responsibility"],  # 4
    "ds_external_sharing": "na",  # data_security min(3, 4) = 3.0, level 3 (the sharing item drops out)
    "en_connected_share": 10,  # 10 % → 1
    "en_platform": False,  # → 0; equipment_network (2·2 + 1 + 0)/4 = 1.25, level 1 (down from 2)
    "op_systems": 3,
    "op_platform_apps": None,  # hidden now (no platform): drops out
    "op_supply_chain": "portal_edi",  # 3; operations (3·2 + 3)/3 = 3.0, level 3 (up from 1)
}
# T1: overall (8/3 + 3 + 1.25 + 3 + 1.5·2)/5.5 = (155/12)/5.5 = 2.3485, level 2;
#     change (155/12 − 138/12)/5.5 = 17/66 = 0.2576
#   digital     100, 100, 62.5, 100, 100  → 462.5/5 = 92.5 %, level 3 (80-95): −5 points, one level down
#   networked   66.67, 100, 0, 100, 0     → 266.67/5 = 53.33 %, level 2 (50-80): +38.33 points
#   intelligent 0 → 0: no change

# (node, before, after, delta, level before, level after), all by hand as above
EXPECTED = [
    ("overall", 11.5 / 5.5, 155 / 12 / 5.5, 17 / 66, 2, 2),
    ("digital", 97.5, 92.5, -5.0, 4, 3),
    ("networked", 15.0, 800 / 15, 800 / 15 - 15, 0, 2),  # 266.67/5 = 53.33 = 800/15
    ("intelligent", 0.0, 0.0, 0.0, 0, 0),
    ("strategy_people", 2.0, 8 / 3, 2 / 3, 2, 2),
    ("data_security", 2.0, 3.0, 1.0, 2, 3),
    ("equipment_network", 2.75, 1.25, -1.5, 2, 1),
    ("operations", 1.75, 3.0, 1.25, 1, 3),
    ("products_services", 2.0, 2.0, 0.0, 2, 2),
]
LABELS = {"before": "T0 2023-03", "after": "T1 2024-06"}


@pytest.fixture(scope="module")
def quick():
    return load_questionnaire(QUICK_CHECK)


def scored(questionnaire, changes: dict | None = None):
    raw = {**T0_ANSWERS, **(changes or {})}
    answers, problems = parse_answers(questionnaire, {k: v for k, v in raw.items() if v is not None})
    assert problems == []
    return score(questionnaire, answers)


@pytest.fixture(scope="module")
def pair(quick):
    return compare(quick, scored(quick), quick, scored(quick, T1_CHANGES))


def test_each_change_matches_the_hand_computed_example(pair):
    changes = {change.id: change for change in pair.changes}
    assert list(changes) == [row[0] for row in EXPECTED]
    for node, before, after, delta, level_before, level_after in EXPECTED:
        change = changes[node]
        assert change.before == pytest.approx(before), node
        assert change.after == pytest.approx(after), node
        assert change.delta == pytest.approx(delta), node
        assert (change.level_before, change.level_after) == (level_before, level_after), node
    assert changes["operations"].level_delta == 2
    assert changes["equipment_network"].level_delta == -1
    assert changes["digital"].level_delta == -1


def test_the_comparison_is_ordered_and_named(pair, quick):
    assert pair.same_version and pair.questionnaire_id == "quick_check"
    assert pair.overall.kind == "overall" and pair.overall.id == "overall" and pair.overall.name.get("zh") == "总体得分"
    assert [c.id for c in pair.paradigms] == ["digital", "networked", "intelligent"]
    assert [c.kind for c in pair.paradigms] == ["paradigm"] * 3
    assert pair.paradigms[2].name.get("en") == "New-generation intelligent manufacturing"
    assert [c.id for c in pair.dimensions] == [d.id for d in quick.dimensions]
    assert [c.name for c in pair.dimensions] == [d.name for d in quick.dimensions]
    assert pair.only_before == () and pair.only_after == ()


def test_stored_results_compare_like_fresh_ones(quick, pair):
    before, after = scored(quick), scored(quick, T1_CHANGES)
    stored = compare(quick, Result.from_dict(quick, before.to_dict(quick)),
                     quick, Result.from_dict(quick, after.to_dict(quick)))
    for fresh, rebuilt in zip(pair.changes, stored.changes, strict=True):
        assert rebuilt.delta == pytest.approx(fresh.delta, abs=1e-3)
        assert (rebuilt.level_before, rebuilt.level_after) == (fresh.level_before, fresh.level_after)


def quick_check_1_1(folder: Path) -> Path:
    """Version 1.1 of the quick check: products_services dropped, an energy page added, and the data items may
    be answered 'not applicable'. The roadmap is left out (it names every dimension of 1.0)."""
    data = yaml.safe_load(QUICK_CHECK.read_text("utf-8"))
    data["version"] = "1.1"
    data.pop("roadmap")
    data["dimensions"] = [d for d in data["dimensions"] if d["id"] != "products_services"]
    for question in next(d for d in data["dimensions"] if d["id"] == "data_security")["questions"]:
        question["not_applicable"] = True
    text = {"en": "Energy", "zh": "能源"}
    data["dimensions"].append({
        "id": "energy", "name": {"en": "Energy management", "zh": "能源管理"}, "description": text,
        "questions": [{"id": "en_energy", "type": "ladder", "text": text, "levels": [text] * 6}],
    })
    nodes = [n for n in data["scoring"]["nodes"] if n["id"] != "products_services"]
    for node in nodes:
        node["inputs"] = [i for i in node["inputs"] if i["ref"] != "products_services"]
        if node["kind"] in ("paradigm", "overall"):
            node["inputs"].append({"ref": "energy", "weight": 1})
    nodes.insert(4, {"id": "energy", "kind": "dimension", "rule": "weighted_mean", "bands": "levels",
                     "inputs": [{"ref": "en_energy", "weight": 1}]})
    data["scoring"]["nodes"] = nodes
    path = folder / "quick_check_1_1.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def test_versions_compare_the_dimensions_they_share(quick, tmp_path):
    later = load_questionnaire(quick_check_1_1(tmp_path))
    t1 = {k: v for k, v in T0_ANSWERS.items() if not k.startswith("ps_")}
    t1.update({"en_energy": 4, "ds_data": "na", "ds_security_measures": "na", "ds_external_sharing": "na"})
    answers, problems = parse_answers(later, t1)
    assert problems == []
    result = compare(quick, scored(quick), later, score(later, answers))
    assert (result.version_before, result.version_after, result.same_version) == ("1.0", "1.1", False)
    # shared, in the page order of 1.1
    assert [c.id for c in result.dimensions] == ["strategy_people", "data_security", "equipment_network", "operations"]
    assert [(c.id, c.before, c.after) for c in result.only_before] == [("products_services", 2.0, None)]
    assert [(c.id, c.before, c.after, c.level_after) for c in result.only_after] == [("energy", None, 4.0, 4)]
    assert result.only_before[0].delta is None and result.only_after[0].delta is None
    # every data item not applicable: the dimension has no score at T1, so no change either
    data = next(c for c in result.dimensions if c.id == "data_security")
    assert (data.before, data.after, data.delta, data.level_before, data.level_after) == (2.0, None, None, 2, None)
    assert data.level_delta is None
    assert result.dimensions[0].delta == 0.0  # strategy_people unchanged: 2.0 → 2.0
    # 1.1 overall: strategy 2, data n/a (drops), equipment 2.75, operations 1.75, energy 4 → 10.5/4 = 2.625
    assert result.overall.after == pytest.approx(2.625)
    assert result.overall.delta == pytest.approx(2.625 - 11.5 / 5.5)
    # 1.1 digital: 100, (data drops), 100, 87.5, 100 → 387.5/4 = 96.875 %
    assert result.paradigms[0].delta == pytest.approx(96.875 - 97.5)


def test_different_questionnaires_are_refused(quick):
    full = load_questionnaire(FULL)
    with pytest.raises(ValueError, match="different questionnaires cannot be compared: quick_check 1.0 and imready"):
        compare(quick, scored(quick), full, score(full, {}))


def test_a_result_must_belong_to_its_questionnaire(quick):
    full = load_questionnaire(FULL)
    with pytest.raises(ValueError, match="the result is of imready_full"):
        compare(quick, score(full, {}), quick, scored(quick))


def assessment(number: int, when: datetime, version: str = "1.0") -> Assessment:
    return Assessment(id=number, enterprise_id=1, questionnaire_id="quick_check", questionnaire_version=version,
                      token=f"token-{number}", status="submitted", submitted_at=when)


@pytest.fixture(scope="module")
def rows(quick):
    t0, t1 = scored(quick), scored(quick, T1_CHANGES)
    return history_rows([(assessment(1, datetime(2023, 3, 20, 9, 0)), quick, t0),
                         (assessment(2, datetime(2024, 6, 3, 15, 30, tzinfo=UTC)), quick, t1)])


def test_history_rows_give_overall_and_paradigms_per_assessment(rows):
    assert [row.assessment_id for row in rows] == [1, 2]
    first, second = rows
    assert isinstance(first, HistoryRow) and first.version == "1.0" and first.title.en.startswith("Quick check")
    assert first.overall.score == pytest.approx(11.5 / 5.5) and first.overall.level == 2
    assert second.overall.score == pytest.approx(155 / 12 / 5.5) and second.overall.level == 2
    assert list(first.paradigms) == ["digital", "networked", "intelligent"]
    assert [(s.score, s.level) for s in first.paradigms.values()] == [(97.5, 4), (15.0, 0), (0.0, 0)]
    assert second.paradigms["networked"].score == pytest.approx(800 / 15)
    assert second.paradigms["networked"].level == 2 and second.paradigms["digital"].level == 3


def test_history_rows_refuse_drafts_and_mismatches(quick):
    result = scored(quick)
    draft = assessment(3, datetime(2024, 1, 1))
    draft.submitted_at = None
    with pytest.raises(ValueError, match="has not been submitted"):
        history_rows([(draft, quick, result)])
    with pytest.raises(ValueError, match="ran quick_check 1.1, not quick_check 1.0"):
        history_rows([(assessment(4, datetime(2024, 1, 1), "1.1"), quick, result)])


def test_change_chart_draws_t0_t1_and_the_change(pair):
    figure = change_chart(pair, "en", LABELS)
    lines, before, after, deltas = figure["data"]
    names = list(before["y"])
    assert names[0] == "<b>Overall</b>" and len(names) == 6
    assert names[1] == "Strategy, organisation and talent"
    assert (before["name"], after["name"]) == ("T0 2023-03", "T1 2024-06")
    assert list(before["x"]) == [2.09, 2.0, 2.0, 2.75, 1.75, 2.0]  # rounded to 2 decimals
    assert list(after["x"]) == [2.35, 2.67, 3.0, 1.25, 3.0, 2.0]
    assert list(deltas["text"]) == ["+0.26", "+0.67", "+1.00", "-1.50", "+1.25", "±0.00"]
    assert list(deltas["textfont"]["color"]) == ["#3c9d6b"] * 3 + ["#c8553d", "#3c9d6b", "#6b7785"]
    assert deltas["x"][3] == pytest.approx(2.75 + 0.15)  # right of the higher of the two
    assert lines["mode"] == "lines" and len(lines["x"]) == 3 * 6  # a segment and a gap per row
    assert change_chart(pair, "zh", LABELS, overall=False)["data"][1]["y"][0] == "战略、组织与人才"


def test_paradigm_chart_uses_the_paradigm_colours(pair):
    figure = plotted(paradigm_change_chart(pair, "en", LABELS))
    _, before, after, deltas = figure.data
    assert list(before.y) == ["Digital manufacturing", "Networked manufacturing",
                              "New-generation intelligent manufacturing"]
    assert list(before.x) == [97.5, 15.0, 0.0] and list(after.x) == [92.5, 53.3, 0.0]
    assert list(deltas.text) == ["-5.0", "+38.3", "±0.0"]
    assert list(after.marker.color) == ["#2f6f9f", "#3c9d6b", "#8a5cb8"]
    assert figure.layout.xaxis.ticksuffix == " %"


def test_not_applicable_changes_show_a_dash(quick, tmp_path):
    later = load_questionnaire(quick_check_1_1(tmp_path))
    answers, _ = parse_answers(later, {**{k: v for k, v in T0_ANSWERS.items() if not k.startswith("ps_")},
                                       "en_energy": 1, "ds_data": "na", "ds_security_measures": "na",
                                       "ds_external_sharing": "na"})
    figure = plotted(change_chart(compare(quick, scored(quick), later, score(later, answers)), "en", LABELS,
                                  overall=False))
    _, before, after, deltas = figure.data
    assert before.y[1] == "Data and security"
    assert after.x[1] is None and before.x[1] == 2.0 and deltas.text[1] == "–"
    assert delta_text(None, 2) == "–" and delta_text(-0.004, 2) == "±0.00" and delta_text(0.5, 1) == "+0.5"


def test_timeline_chart_plots_overall_and_paradigms_over_time(rows):
    figure = plotted(timeline_chart(rows, "zh"))
    overall, *paradigms = figure.data
    assert overall.name == "总体得分" and list(overall.y) == [2.09, 2.35]
    assert list(overall.x) == ["2023-03-20T09:00:00", "2024-06-03T15:30:00"]  # UTC, without zone
    assert [p.name for p in paradigms] == ["数字化制造", "数字化网络化制造", "新一代智能制造"]
    assert [list(p.y) for p in paradigms] == [[97.5, 92.5], [15.0, 53.3], [0.0, 0.0]]
    assert [p.line.color for p in paradigms] == ["#2f6f9f", "#3c9d6b", "#8a5cb8"]
    assert overall.yaxis == "y" and {p.yaxis for p in paradigms} == {"y2"}
    assert figure.layout.yaxis2.ticksuffix == " %"


def test_the_charts_render_in_kaleido(pair, rows):
    charts = exporter(None)
    if charts.browser is None:
        pytest.skip("no Chromium to draw the charts")
    figures = [change_chart(pair, "en", LABELS), paradigm_change_chart(pair, "zh", LABELS), timeline_chart(rows, "en")]
    images = charts.export(figures, "svg")
    assert all(image.startswith(b"<svg") for image in images)
    assert b"+1.25" in images[0] and b"-1.50" in images[0]
    assert b"+38.3" in images[1]
