"""The full assessment's CMMM level, computed by GB/T 39117's rule over the requirements of all fourteen pages, and
the paradigm ranges that agree with the roadmap's paradigm levels; every figure worked by hand."""

import pytest

from assessment.scoring import score, standard_levels
from factories import ROOT
from questionnaires.catalog import Catalog
from questionnaires.loader import QuestionnaireError, load_questionnaire

# Domain weights in % (questionnaires/imready_full_v2.yaml, node cmmm_level), discrete / process
WEIGHTS = {"strategy_organisation_requirements": (8, 8), "talent_requirements": (6, 6), "data_requirements": (8, 8),
           "integ_requirements": (8, 8), "security_trust_requirements": (6, 7),
           "equipment_automation_requirements": (8, 9), "network_connectivity_requirements": (6, 6),
           "software_platforms_requirements": (6, 6), "design_rd_requirements": (9, 6),
           "production_requirements": (12, 14), "logistics_supply_requirements": (8, 6),
           "sales_service_requirements": (5, 4), "intelligent_products_requirements": (4, 2),
           "energy_green_requirements": (6, 10)}


@pytest.fixture(scope="module")
def full():
    return Catalog.load().get("imready_full", "2.0")


def requirements(full) -> dict[str, list[tuple[str, int]]]:
    """Domain -> its requirements with their levels."""
    return {domain: [(source.ref, source.level) for source in full.nodes[domain].inputs] for domain in WEIGHTS}


def rated(full, rating) -> dict[str, str]:
    """Every requirement rated by `rating(domain, level)`."""
    return {ref: rating(domain, level) for domain, found in requirements(full).items() for ref, level in found}


def test_the_domains_and_weights_are_the_ones_declared(full):
    node = full.standard_node
    assert (node.id, node.kind, node.standard, node.rule) == ("cmmm_level", "standard", "CMMM", "levels")
    assert {source.ref: (source.weight["discrete"], source.weight["process"]) for source in node.inputs} == WEIGHTS
    assert sum(d for d, _ in WEIGHTS.values()) == 100 and sum(p for _, p in WEIGHTS.values()) == 100


def level_three_in_production_and_integration(domain, level):
    if level <= 2:
        return "met"
    return "met" if level == 3 and domain in ("production_requirements", "integ_requirements") else "not_met"


@pytest.mark.parametrize(("profile", "expected"), [
    ("discrete", 2.2),  # S1 = S2 = 1; S3 = (12 + 8)/100 = 0.2 ✗ → 2 + 0.2
    ("process", 2.22),  # S3 = (14 + 8)/100 = 0.22 → 2.22
])
def test_a_level_counts_across_domains_by_their_weights(full, profile, expected):
    result = score(full, rated(full, level_three_in_production_and_integration), profile)
    node = result.standard(full)
    assert node.score == pytest.approx(expected)
    assert node.level == 2
    assert [(row.level, row.reached) for row in standard_levels(full, result)] == [
        (1, True), (2, True), (3, False), (4, False), (5, False)]


def test_a_domain_without_applicable_requirements_leaves_the_level(full):
    answers = rated(full, level_three_in_production_and_integration)
    for ref, _ in requirements(full)["intelligent_products_requirements"]:
        answers[ref] = "na"  # a firm without products of its own to make intelligent
    node = score(full, answers, "discrete").standard(full)
    assert node.score == pytest.approx(2 + 20 / 96)  # S3 = (12 + 8) / (100 - 4)


def test_one_weak_domain_does_not_sink_the_level_the_standard_way(full):
    # Strategy meets none of its level-1 requirements; every other domain meets levels 1 and 2 and nothing above.
    answers = rated(full, lambda domain, level: "not_met" if level > 2 or domain.startswith("strategy") else "met")
    result = score(full, answers, "discrete")
    assert result.nodes["strategy_organisation_requirements"].score == 0.0  # on its own, strategy is below level 1
    # S1 = (100 - 8)/100 = 0.92 ✓; S2 = 0.92 ✓; S3 = 0 → 2.0: the standard weighs domains within each level
    assert result.standard(full).score == pytest.approx(2.0)


def test_largely_everywhere_reaches_the_top(full):
    node = score(full, rated(full, lambda domain, level: "largely"), "process").standard(full)
    assert node.score == pytest.approx(5.0)  # every level scores 0.8, the threshold
    assert node.level == 5


@pytest.mark.parametrize("version", ["2.0"])
@pytest.mark.parametrize("questionnaire_id", ["imready_full", "quick_check"])
def test_a_dimension_at_a_paradigm_level_reaches_that_paradigm(questionnaire_id, version):
    # roadmap.paradigm_levels says which level reaches each paradigm; a dimension at that level must show 100 %.
    questionnaire = Catalog.load().get(questionnaire_id, version)
    levels = questionnaire.definition.roadmap.paradigm_levels
    for paradigm, node in questionnaire.paradigm_nodes.items():
        assert node.range[1] == levels[paradigm], paradigm
    # every ladder at 4: intelligent 100 % (it read 50 % when its range ran to 5)
    ladders = {qid: 4 for qid, question in questionnaire.questions.items() if question.type == "ladder"}
    result = score(questionnaire, ladders)
    assert result.nodes[questionnaire.paradigm_nodes["intelligent"].id].score == pytest.approx(100.0)


def test_a_roadmap_that_reads_a_paradigm_elsewhere_than_its_node_is_refused(tmp_path):
    text = (ROOT / "questionnaires" / "quick_check_v2.yaml").read_text(encoding="utf-8")
    assert text.count("range: [3, 4]") == 1
    path = tmp_path / "quick_check_v2.yaml"
    path.write_text(text.replace("range: [3, 4]", "range: [3, 5]"), encoding="utf-8")  # as version 1.0 had it
    with pytest.raises(QuestionnaireError) as refused:
        load_questionnaire(path)
    assert [str(p) for p in refused.value.problems if p.key.startswith("roadmap.paradigm_levels")] == [
        f"line {refused.value.problems[0].line}: roadmap.paradigm_levels.intelligent: the roadmap reaches "
        "'intelligent' at level 4, but its paradigm node 'intelligent_paradigm' reads 100 % only at 5 (its "
        "range's top): make them agree"]
