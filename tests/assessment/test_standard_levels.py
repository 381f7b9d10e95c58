"""A standard's own level rule (GB/T 39117): level scores across domains weighted per industry type, each worked
by hand on tests/data/mini.yaml with a second requirements page added."""

import copy

import pytest
import yaml

from assessment.answers import parse_answers
from assessment.scoring import Result, score, standard_levels
from factories import MINI
from questionnaires.loader import QuestionnaireError, load_questionnaire

REQUIREMENT = [{"id": i, "label": {"en": i, "zh": i}} for i in ("not_met", "partly", "largely", "met")]
DATA_REQUIREMENTS = [("dreq_l1", 1), ("dreq_l2", 2), ("dreq_l3a", 3), ("dreq_l3b", 3)]


def with_standard(definition: dict) -> dict:
    """mini.yaml plus data requirements, a gating node on them and a CMMM node over both gating nodes."""
    definition = copy.deepcopy(definition)
    data_page = next(d for d in definition["dimensions"] if d["id"] == "data")
    for question_id, _ in DATA_REQUIREMENTS:
        data_page["questions"].append({"id": question_id, "type": "single", "text": {"en": "R", "zh": "要求"},
                                       "options": REQUIREMENT, "scale": "requirement", "not_applicable": True})
    nodes = definition["scoring"]["nodes"]
    nodes.append({"id": "data_requirements", "kind": "item", "rule": "gating",
                  "inputs": [{"ref": q, "level": level} for q, level in DATA_REQUIREMENTS]})
    nodes.append({"id": "cmmm_level", "kind": "standard", "standard": "CMMM", "rule": "levels", "bands": "levels",
                  "inputs": [{"ref": "int_requirements", "weight": {"discrete": 3, "process": 1}},
                             {"ref": "data_requirements", "weight": {"discrete": 1, "process": 1}}]})
    return definition


@pytest.fixture(scope="module")
def mini_definition():
    return yaml.safe_load(MINI.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def standard(mini_definition, tmp_path_factory):
    path = tmp_path_factory.mktemp("standard") / "standard.yaml"
    path.write_text(yaml.safe_dump(with_standard(mini_definition), allow_unicode=True), encoding="utf-8")
    return load_questionnaire(path)


# int: L1 int_l1; L2 int_l2a, int_l2b; L3 int_l3. data: L1 dreq_l1; L2 dreq_l2; L3 dreq_l3a, dreq_l3b.
BASE = {"data_ladder": 2, "data_tools": [], "data_obstacle": "", "sec_ladder": 3, "sec_platform": False,
        "int_size": "one",
        "int_l1": "met", "int_l2a": "largely", "int_l2b": "partly", "int_l3": "not_met",
        "dreq_l1": "met", "dreq_l2": "met", "dreq_l3a": "met", "dreq_l3b": "partly"}
ALL_MET = {q: "met" for q in ("int_l1", "int_l2a", "int_l2b", "int_l3", "dreq_l1", "dreq_l2", "dreq_l3a", "dreq_l3b")}


def scored(questionnaire, changes: dict, profile: str):
    answers, problems = parse_answers(questionnaire, {**BASE, **changes})
    assert problems == []
    return score(questionnaire, answers, profile)


# (changes, profile, CMMM total, level). Domain means per level, then S_n = Σ w_d·mean_d / Σ w_d over the domains
# with an applicable requirement at level n; a level counts when S_n ≥ 0.8 and every lower level counts; the total
# is the highest level counted plus the score of the next level.
CASES = [
    # int L1 1, L2 (0.8+0.5)/2 = 0.65, L3 0; data L1 1, L2 1, L3 (1+0.5)/2 = 0.75
    ({}, "discrete", 1.7375, 1),  # S1 = (3·1 + 1)/4 = 1 ✓; S2 = (3·0.65 + 1)/4 = 2.95/4 = 0.7375 ✗ → 1 + 0.7375
    ({}, "process", 2.375, 2),  # S2 = (0.65 + 1)/2 = 0.825 ✓; S3 = (0 + 0.75)/2 = 0.375 ✗ → 2 + 0.375
    (ALL_MET, "discrete", 3.0, 3),  # S1 = S2 = S3 = 1, no level 4 → 3 + 0
    ({"int_l2b": "na"}, "discrete", 2.1875, 2),  # int L2 = 0.8: S2 = (2.4 + 1)/4 = 0.85 ✓; S3 = (0 + 0.75)/4 ✗
    ({**ALL_MET, "dreq_l3a": "na", "dreq_l3b": "na"}, "discrete", 3.0, 3),  # data has no L3: S3 = int alone = 1
    ({**ALL_MET, "dreq_l3a": "na", "dreq_l3b": "na", "int_l3": "partly"}, "discrete", 2.5, 2),  # S3 = 0.5 → 2.5
    ({**ALL_MET, "int_l1": "not_met"}, "discrete", 0.25, 0),  # S1 = (0 + 1)/4 = 0.25 ✗: nothing above counts
    ({**ALL_MET, "int_l1": "not_met"}, "process", 0.5, 0),  # S1 = (0 + 1)/2 = 0.5 ✗ → 0 + 0.5
]


@pytest.mark.parametrize(("changes", "profile", "expected", "level"), CASES)
def test_cmmm_total(standard, changes, profile, expected, level):
    result = scored(standard, changes, profile)
    node = result.standard(standard)
    assert node.score == pytest.approx(expected)
    assert node.level == level


def test_a_domain_alone_is_gated_on_its_own(standard):
    result = scored(standard, {}, "discrete")
    assert result.nodes["int_requirements"].score == pytest.approx(1.65)  # 1 + 0.65
    assert result.nodes["data_requirements"].score == pytest.approx(2.75)  # L1 ✓ L2 ✓ L3 0.75 ✗ → 2 + 0.75


def test_level_scores_and_trace(standard):
    result = scored(standard, {}, "discrete")
    assert [(row.level, round(row.score, 4), row.reached) for row in standard_levels(standard, result)] == [
        (1, 1.0, True), (2, 0.7375, False), (3, 0.1875, False)]  # S3 = (3·0 + 1·0.75)/4
    trace = result.standard(standard).trace
    # at the deciding level 2: int mean 0.65 with share 3/4, data mean 1 with share 1/4
    assert [(c.ref, round(c.value, 4), c.weight, round(c.contribution, 4)) for c in trace] == [
        ("int_requirements", 0.65, 0.75, 0.4875), ("data_requirements", 1.0, 0.25, 0.25)]
    assert trace[0].note == "level 2 not met (0.74)"


def test_stored_result_keeps_the_standard_node(standard):
    result = scored(standard, {}, "process")
    stored = result.to_dict(standard)
    assert stored["standard"]["cmmm_level"]["score"] == 2.375
    again = Result.from_dict(standard, stored)
    assert again.standard(standard).score == 2.375
    assert again.standard(standard).level == 2


def test_an_overall_node_may_be_the_standard(mini_definition, tmp_path):
    definition = copy.deepcopy(mini_definition)
    overall = next(node for node in definition["scoring"]["nodes"] if node["kind"] == "overall")
    overall["standard"] = "IMPULS"
    path = tmp_path / "impuls_like.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    questionnaire = load_questionnaire(path)
    assert questionnaire.standard_node is questionnaire.overall_node
    assert questionnaire.standard_node.standard == "IMPULS"


def test_no_standard_node_no_levels():
    mini = load_questionnaire(MINI)
    assert mini.standard_node is None
    answers, _ = parse_answers(mini, {"data_ladder": 2})
    result = score(mini, answers)
    assert result.standard(mini) is None
    assert standard_levels(mini, result) == []
    assert "standard" not in result.to_dict(mini)


@pytest.mark.parametrize(("change", "key", "message"), [
    (lambda node: node.update(rule="weighted_mean"), "rule", "use the rule 'levels'"),
    (lambda node: node.pop("standard"), "standard", "'standard' (the framework's name) is required"),
    (lambda node: node.update(kind="item"), "standard", "'standard' belongs on the standard node or the overall"),
    (lambda node: node["inputs"].append({"ref": "data", "weight": 1}), "inputs.2.ref",
     "is not a node of rule 'gating'"),
    (lambda node: node["inputs"].append({"ref": "dreq_l1", "weight": 1}), "inputs.2.ref",
     "is not a node of rule 'gating'"),
])
def test_malformed_standard_node_is_refused(mini_definition, tmp_path, change, key, message):
    definition = with_standard(mini_definition)
    node = definition["scoring"]["nodes"][-1]
    change(node)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as refused:
        load_questionnaire(path)
    index = len(definition["scoring"]["nodes"]) - 1
    assert any(p.key == f"scoring.nodes.{index}.{key}" and message in p.message for p in refused.value.problems), \
        refused.value.problems


def test_two_standard_nodes_are_refused(mini_definition, tmp_path):
    definition = with_standard(mini_definition)
    second = copy.deepcopy(definition["scoring"]["nodes"][-1])
    second["id"] = "other_level"
    definition["scoring"]["nodes"].append(second)
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="at most one node of kind 'standard', found 2"):
        load_questionnaire(path)
