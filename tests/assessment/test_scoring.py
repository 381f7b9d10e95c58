"""Scoring rules on tests/data/mini.yaml, each row worked by hand; answer checks reported by question id."""

import json

import pytest
import yaml

from assessment.answers import parse_answers
from assessment.scoring import level_for, score
from factories import MINI, MINI_ANSWERS
from questionnaires.loader import load_questionnaire

# The example of the brief. Scales: tools cad/mes/erp = 2 each (cap 5); yes = 5, no = 0; share ≥0 → 0, ≥25 → 2.5,
# ≥75 → 5; requirement not_met 0, partly 0.5, largely 0.8, met 1.
BASE = MINI_ANSWERS
ALL_MET = {"int_l1": "met", "int_l2a": "met", "int_l2b": "met", "int_l3": "met"}


@pytest.fixture(scope="module")
def mini():
    return load_questionnaire(MINI)


def scored(questionnaire, changes: dict, profile: str | None = None):
    raw = {**BASE, **changes}
    answers, problems = parse_answers(questionnaire, {k: v for k, v in raw.items() if v is not None})
    assert problems == []
    return score(questionnaire, answers, profile)


# (changes to BASE, node, score, level) — level None where the node has no bands
RULE_CASES = [
    # weighted_mean, data = (3·data_ladder + 1·data_systems) / 4
    ({}, "data", 2.5, 2),  # (3·2 + 1·4)/4 = 10/4
    ({"data_ladder": 5, "data_tools": []}, "data", 3.75, 3),  # (15 + 0)/4
    ({"data_ladder": 0, "data_tools": ["erp"]}, "data", 0.5, 0),  # (0 + 2)/4
    ({"data_tools": "na"}, "data", 2.0, 2),  # data_systems not applicable: weight 3 renormalised to 1 → data_ladder
    ({"data_ladder": 4, "data_tools": "na"}, "data", 4.0, 4),
    # sum with cap: data_systems = Σ tool values, at most 5
    ({}, "data_systems", 4.0, 4),  # 2 + 2
    ({"data_tools": ["cad"]}, "data_systems", 2.0, 2),
    ({"data_tools": []}, "data_systems", 0.0, 0),
    ({"data_tools": ["cad", "mes", "erp"]}, "data_systems", 5.0, 5),  # 2 + 2 + 2 = 6 → capped at 5
    ({"data_tools": ["cad", "mes", "erp"]}, "data", 2.75, 2),  # (3·2 + 5)/4 = 11/4
    ({"data_tools": "na"}, "data_systems", None, None),  # its only input is not applicable
    # min: the weakest of sec_ladder, sec_platform (yes 5 / no 0), sec_share (thresholds)
    ({}, "security", 2.5, 2),  # min(3, 5, 2.5)
    ({"sec_share": 80}, "security", 3.0, 3),  # min(3, 5, 5)
    ({"sec_share": 75}, "security", 3.0, 3),  # 75 reaches the step at 75 → 5; min(3, 5, 5)
    ({"sec_share": 24.9}, "security", 0.0, 0),  # below 25 → 0
    ({"sec_ladder": 1}, "security", 1.0, 1),  # min(1, 5, 2.5)
    ({"sec_ladder": "na"}, "security", 2.5, 2),  # min(5, 2.5): the not-applicable ladder drops out
    ({"sec_ladder": "na", "sec_share": 100}, "security", 5.0, 5),  # min(5, 5)
    ({"sec_platform": False, "sec_share": None}, "security", 0.0, 0),  # min(3, 0); sec_share hidden
    ({"sec_platform": False, "sec_share": 100}, "security", 0.0, 0),  # an answer to a hidden question is ignored
    # gating: L1 int_l1; L2 int_l2a + int_l2b; L3 int_l3; threshold 0.8; result = highest level met + mean of next
    ({}, "int_requirements", 1.65, None),  # L1 1 ✓; L2 (0.8 + 0.5)/2 = 0.65 ✗ → 1 + 0.65
    (ALL_MET, "int_requirements", 3.0, None),  # L1 ✓ L2 ✓ L3 ✓, no L4 → 3 + 0
    ({**ALL_MET, "int_l1": "partly"}, "int_requirements", 0.5, None),  # L1 0.5 ✗ → 0 + 0.5, higher levels ignored
    ({**ALL_MET, "int_l1": "not_met"}, "int_requirements", 0.0, None),  # 0 + 0
    ({**ALL_MET, "int_l1": "largely"}, "int_requirements", 3.0, None),  # 0.8 reaches the threshold
    ({**ALL_MET, "int_l3": "partly"}, "int_requirements", 2.5, None),  # L1 ✓ L2 ✓ L3 0.5 ✗ → 2 + 0.5
    ({**ALL_MET, "int_l3": "not_met"}, "int_requirements", 2.0, None),  # 2 + 0
    ({**ALL_MET, "int_l2a": "largely", "int_l2b": "largely"}, "int_requirements", 3.0, None),  # L2 mean 0.8 ✓
    ({**ALL_MET, "int_l2a": "largely", "int_l2b": "partly"}, "int_requirements", 1.65, None),  # L2 0.65 ✗
    ({**ALL_MET, "int_l2a": "largely", "int_l2b": "na"}, "int_requirements", 3.0, None),  # L2 on int_l2a alone: 0.8
    ({**ALL_MET, "int_l2a": "partly", "int_l2b": "na"}, "int_requirements", 1.5, None),  # L2 0.5 ✗ → 1 + 0.5
    ({}, "integration", 1.65, 1),  # weighted mean of one input
    ({**ALL_MET, "int_l3": "partly"}, "integration", 2.5, 2),
    # progress: dimensions 2.5, 2.5, 1.65 mapped through [0, 2], [2, 3], [3, 5]
    ({}, "digital_paradigm", 94.1667, 3),  # (100 + 100 + 82.5)/3 = 282.5/3; 1.65/2 = 82.5 %
    ({}, "networked_paradigm", 33.3333, 1),  # (50 + 50 + 0)/3; 1.65 < 2 → 0
    ({}, "intelligent_paradigm", 0.0, 0),  # all below 3
    # every dimension at the top: data (15 + 5)/4 = 5, security 5, integration 3 (no level above 3)
    (
        {"data_ladder": 5, "data_tools": ["cad", "mes", "erp"], "sec_ladder": 5, "sec_share": 100, **ALL_MET},
        "intelligent_paradigm",
        75.0,
        2,
    ),  # weights 2, 1, 1: (2·100 + 100 + 0)/4 = 300/4
    # overall, default (discrete) profile: (2·data + 1·security + 1·integration)/4
    ({}, "overall", 2.2875, 2),  # (5 + 2.5 + 1.65)/4 = 9.15/4
    ({"sec_share": 10}, "overall", 1.6625, 1),  # security 0: (5 + 0 + 1.65)/4 = 6.65/4
    (ALL_MET, "overall", 2.625, 2),  # (5 + 2.5 + 3)/4 = 10.5/4
]


@pytest.mark.parametrize(("changes", "node_id", "expected", "level"), RULE_CASES)
def test_rule(mini, changes, node_id, expected, level):
    result = scored(mini, changes)
    node = result.nodes[node_id]
    assert node.score == (None if expected is None else pytest.approx(expected, abs=5e-5))
    assert node.level == level


# (changes, profile, overall): discrete weights data 2, security 1; process data 1, security 2; integration 1
PROFILE_CASES = [
    ({}, "discrete", 2.2875),  # (2·2.5 + 2.5 + 1.65)/4
    ({}, "process", 2.2875),  # (2.5 + 2·2.5 + 1.65)/4: data and security are equal, so the profile cannot matter
    ({"sec_share": 10}, "discrete", 1.6625),  # (2·2.5 + 0 + 1.65)/4 = 6.65/4
    ({"sec_share": 10}, "process", 1.0375),  # (2.5 + 2·0 + 1.65)/4 = 4.15/4
    ({"sec_share": 10}, None, 1.6625),  # no profile given: the default, discrete
    ({"data_ladder": 5, "data_tools": []}, "process", 2.6),  # data 3.75: (3.75 + 2·2.5 + 1.65)/4 = 10.4/4
]


@pytest.mark.parametrize(("changes", "profile", "expected"), PROFILE_CASES)
def test_profile_weights(mini, changes, profile, expected):
    result = scored(mini, changes, profile)
    assert result.profile == (profile or "discrete")
    assert result.nodes["overall"].score == pytest.approx(expected)


@pytest.mark.parametrize(
    ("score_value", "level"),
    [(0, 0), (0.99, 0), (1, 1), (1.65, 1), (2.2875, 2), (3, 3), (4.9999, 4), (5, 5), (None, None)],
)
def test_level_from_bands(mini, score_value, level):
    assert level_for(mini.bands(mini.nodes["overall"]), score_value) == level


def test_node_without_bands_has_no_level(mini):
    assert mini.bands(mini.nodes["int_requirements"]) == []
    assert level_for([], 3.0) is None


def test_weighted_mean_trace(mini):
    # data: data_ladder 2 with weight 3/4 → 1.5; data_systems 4 with weight 1/4 → 1.0; total 2.5
    trace = {item.ref: item for item in scored(mini, {}).nodes["data"].trace}
    assert (trace["data_ladder"].value, trace["data_ladder"].weight, trace["data_ladder"].contribution) == (
        2,
        0.75,
        1.5,
    )
    assert (trace["data_systems"].value, trace["data_systems"].weight, trace["data_systems"].contribution) == (
        4,
        0.25,
        1,
    )


def test_trace_renormalises_without_not_applicable_input(mini):
    trace = {item.ref: item for item in scored(mini, {"data_tools": "na"}).nodes["data"].trace}
    assert (trace["data_ladder"].weight, trace["data_ladder"].contribution) == (1.0, 2.0)
    assert (trace["data_systems"].value, trace["data_systems"].weight, trace["data_systems"].note) == (
        None,
        0.0,
        "not applicable",
    )


@pytest.mark.parametrize("changes", [{}, {"data_tools": "na"}, {"sec_share": 10}, ALL_MET], ids=str)
def test_weighted_mean_weights_sum_to_one(mini, changes):
    result = scored(mini, changes)
    for node in result.nodes.values():
        if node.rule in ("weighted_mean", "progress") and node.score is not None:
            assert sum(item.weight for item in node.trace) == pytest.approx(1)
            assert sum(item.contribution for item in node.trace) == pytest.approx(node.score)


def test_min_trace_marks_the_weakest(mini):
    trace = {item.ref: item for item in scored(mini, {}).nodes["security"].trace}
    assert (trace["sec_share"].value, trace["sec_share"].note, trace["sec_share"].contribution) == (2.5, "lowest", 2.5)
    assert trace["sec_ladder"].contribution == trace["sec_platform"].contribution == 0


def test_hidden_question_drops_out(mini):
    # sec_platform no → sec_share hidden: no answer needed, none kept, traced as hidden
    answers, problems = parse_answers(mini, {**BASE, "sec_platform": False, "sec_share": 100})
    assert problems == [] and "sec_share" not in answers
    without = {k: v for k, v in BASE.items() if k != "sec_share"}
    assert parse_answers(mini, {**without, "sec_platform": False})[1] == []
    result = score(mini, answers)
    trace = {item.ref: item for item in result.nodes["security"].trace}
    assert (trace["sec_share"].value, trace["sec_share"].note) == (None, "hidden")
    assert result.nodes["security"].score == 0  # min(3, 0): sec_platform's own "no"


def test_sum_node_cap(mini, tmp_path):
    # without the scale's own cap the three tools give 6 and the node's cap (5) bites, scaling the trace to match
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    del data["scales"]["tools"]["cap"]
    path = tmp_path / "uncapped.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    uncapped = load_questionnaire(path)
    node = scored(uncapped, {"data_tools": ["cad", "mes", "erp"]}).nodes["data_systems"]
    assert node.score == 5
    [item] = node.trace
    assert (item.value, item.contribution, item.note) == (6, 5, "capped")


def test_result_json(mini):
    result = scored(mini, {}).to_dict(mini)
    assert result["questionnaire"] == {"id": "mini", "version": "1.0"}
    assert result["overall"]["score"] == 2.2875 and result["overall"]["level"] == 2
    assert {name: node["score"] for name, node in result["paradigms"].items()} == {
        "digital": 94.1667,
        "networked": 33.3333,
        "intelligent": 0.0,
    }
    assert list(result["dimensions"]) == ["data", "security", "integration"]
    assert result["answers"]["data_tools"] == {"answer": ["cad", "mes"], "value": 4.0}
    assert result["answers"]["int_size"] == {"answer": "one", "value": None}  # collected, not scored


def test_deterministic(mini):
    first, second = scored(mini, {}), scored(mini, {})
    assert json.dumps(first.to_dict(mini)) == json.dumps(second.to_dict(mini))
    reordered = dict(reversed(list(BASE.items())))
    answers, _ = parse_answers(mini, reordered)
    assert score(mini, answers).to_dict(mini)["overall"] == first.to_dict(mini)["overall"]


# (changes to BASE, question id of the one problem, part of its message)
ANSWER_PROBLEMS = [
    ({"nope": 1}, "nope", "no such question"),
    ({"data_ladder": "three"}, "data_ladder", "expected a level from 0 to 5"),
    ({"data_ladder": 6}, "data_ladder", "level 6 is out of range 0-5"),
    ({"data_ladder": -1}, "data_ladder", "level -1 is out of range 0-5"),
    ({"data_ladder": True}, "data_ladder", "expected a level"),
    ({"data_ladder": 2.5}, "data_ladder", "expected a level"),
    ({"data_ladder": "na"}, "data_ladder", "cannot be answered 'not applicable'"),
    ({"sec_share": 120}, "sec_share", "outside the allowed range 0 to 100"),
    ({"sec_share": -0.5}, "sec_share", "outside the allowed range"),
    ({"sec_share": "lots"}, "sec_share", "expected a number"),
    ({"sec_share": True}, "sec_share", "expected a number"),
    ({"sec_share": float("nan")}, "sec_share", "expected a finite number"),
    ({"sec_share": "na"}, "sec_share", "cannot be answered 'not applicable'"),
    ({"int_l1": "done"}, "int_l1", "expected one of not_met, partly, largely, met"),
    ({"int_l1": "na"}, "int_l1", "cannot be answered 'not applicable'"),
    ({"data_tools": ["cad", "plc"]}, "data_tools", "unknown option(s) plc"),
    ({"data_tools": "cad"}, "data_tools", "expected a list of option ids"),
    ({"sec_platform": "maybe"}, "sec_platform", "expected true or false"),
    ({"data_obstacle": "x" * 2001}, "data_obstacle", "at most 2000 allowed"),
    ({"int_l3": None}, "int_l3", "no answer given"),
    ({"sec_ladder": None}, "sec_ladder", "no answer given"),
]


@pytest.mark.parametrize(("changes", "question_id", "message"), ANSWER_PROBLEMS)
def test_answer_problem(mini, changes, question_id, message):
    raw = {k: v for k, v in {**BASE, **changes}.items() if v is not None}
    answers, problems = parse_answers(mini, raw)
    assert [problem.question_id for problem in problems] == [question_id]
    assert message in problems[0].message
    assert question_id not in answers


def test_answer_forms(mini):
    # JSON and form values mean the same: "3" is level 3, "yes" is true, "30" is 30, duplicates tick once
    raw = {**BASE, "data_ladder": "3", "sec_platform": "yes", "sec_share": "30", "data_tools": ["mes", "cad", "mes"]}
    answers, problems = parse_answers(mini, raw)
    assert problems == []
    assert (answers["data_ladder"], answers["sec_platform"], answers["sec_share"]) == (3, True, 30.0)
    assert answers["data_tools"] == ("cad", "mes")  # in option order


def test_partial_answers(mini):
    answers, problems = parse_answers(mini, {"data_ladder": 2}, complete=False)
    assert (answers, problems) == ({"data_ladder": 2}, [])
    result = score(mini, answers)
    assert result.nodes["data"].score == 2  # data_systems unanswered: drops out like not applicable
    assert result.nodes["security"].score is None and result.nodes["security"].level is None


def test_huge_number_is_a_problem_not_a_crash(mini):
    # json.loads("1" + "0" * 400) is a Python int that float() cannot convert: OverflowError, not ValueError
    answers, problems = parse_answers(mini, {**BASE, "sec_share": 10**400})
    assert [problem.question_id for problem in problems] == ["sec_share"]
