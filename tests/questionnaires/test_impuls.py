"""IMPULS Industrie 4.0 Readiness as a questionnaire file: its published rules, worked by hand."""

import pytest

from assessment.answers import parse_answers
from assessment.scoring import score

# One enterprise. Fields are `min` of their questions, dimensions `min` of their fields.
ANSWERS = {
    # strategy and organisation: min(3, 4, 2) = 2 (innovation management is the weakest field)
    "so_strategy": 3, "so_investment": 4, "so_innovation": 2,
    # smart factory: min(3, 3, 4, 1) = 1 (IT systems)
    "sf_modelling": 3, "sf_equipment": 3, "sf_data_use": 4, "sf_it_systems": 1,
    # smart operations: cloud 4; IT security field = min(ladder 4, three measures ticked = 3) = 3; autonomy 3;
    # sharing 5 -> min(4, 3, 3, 5) = 3
    "sm_cloud": 4, "sm_security": 4, "sm_security_measures": ["backup", "access", "zones"], "sm_autonomy": 3,
    "sm_sharing": 5,
    # smart products: min(2, 3) = 2
    "sp_ict": 2, "sp_usage_data": 3,
    # data-driven services: services 3; revenue share 5 % on [0, 10] -> [0, 5] = 2.5; data used 60 % on
    # [0, 100] -> [0, 5] = 3.0 -> min(3, 2.5, 3) = 2.5
    "ds_services": 3, "ds_revenue_share": 5, "ds_data_share": 60,
    # employees: min(4, 3) = 3
    "em_skills": 4, "em_acquisition": 3,
}  # fmt: skip
DIMENSIONS = {
    "strategy_organisation": 2.0, "smart_factory": 1.0, "smart_operations": 3.0, "smart_products": 2.0,
    "data_driven_services": 2.5, "employees": 3.0,
}  # fmt: skip
# overall = (25·2 + 14·1 + 10·3 + 19·2 + 14·2.5 + 18·3) / 100 = (50 + 14 + 30 + 38 + 35 + 54) / 100 = 2.21
OVERALL = 2.21


@pytest.fixture(scope="module")
def impuls(catalog):
    return catalog.get("impuls", "1.0")


def result_of(questionnaire, changes: dict | None = None):
    answers, problems = parse_answers(questionnaire, {**ANSWERS, **(changes or {})})
    assert problems == []
    return score(questionnaire, answers)


def test_it_is_offered_without_paradigms_or_roadmap(impuls):
    assert impuls is not None
    assert [d.id for d in impuls.dimensions] == list(DIMENSIONS)
    assert impuls.paradigm_nodes == {} and not impuls.has_paradigms
    assert impuls.definition.roadmap is None
    assert "Lichtblau" in impuls.definition.anchors["IMPULS"].en


def test_the_published_weights(impuls):
    weights = {source.ref: source.weight for source in impuls.overall_node.inputs}
    assert weights == {"strategy_organisation": 25, "smart_products": 19, "employees": 18, "smart_factory": 14,
                       "data_driven_services": 14, "smart_operations": 10}
    assert all(impuls.nodes[d].rule == "min" for d in DIMENSIONS)


def test_dimensions_and_overall_by_hand(impuls):
    result = result_of(impuls)
    assert {d: result.nodes[d].score for d in DIMENSIONS} == DIMENSIONS
    assert result.nodes["overall"].score == pytest.approx(OVERALL)
    assert result.nodes["overall"].level == 2  # 2.21: intermediate
    assert result.nodes["smart_factory"].level == 1  # beginner
    assert result.paradigms(impuls) == {}


def test_the_weakest_field_sets_the_dimension(impuls):
    # raising smart factory's strong fields changes nothing: IT systems (1) still holds it at 1
    stronger = result_of(impuls, {"sf_modelling": 5, "sf_equipment": 5, "sf_data_use": 5})
    assert stronger.nodes["smart_factory"].score == 1.0
    # raising IT systems to 3 lifts the dimension to the next weakest, 3; the overall gains 14·(3 − 1)/100 = 0.28
    lifted = result_of(impuls, {"sf_it_systems": 3})
    assert lifted.nodes["smart_factory"].score == 3.0
    assert lifted.nodes["overall"].score == pytest.approx(OVERALL + 0.28)  # 2.49


def test_a_checklist_inside_a_field_can_be_its_weakest_part(impuls):
    # no protection ticked: IT security field = min(4, 0) = 0, so smart operations = 0;
    # overall = 2.21 − 10·3/100 = 1.91
    result = result_of(impuls, {"sm_security_measures": []})
    assert result.nodes["sm_security_field"].score == 0.0
    assert result.nodes["smart_operations"].score == 0.0
    assert result.nodes["overall"].score == pytest.approx(1.91)


@pytest.mark.parametrize(("revenue_share", "field_score"), [
    (0, 0.0),     # the start of the line
    (2, 1.0),     # 2 / 10 · 5
    (7.5, 3.75),  # 7.5 / 10 · 5
    (10, 5.0),    # the end of the line
    (40, 5.0),    # beyond the span: clamped at 5
])  # fmt: skip
def test_revenue_share_is_read_on_a_line(impuls, revenue_share, field_score):
    assert result_of(impuls, {"ds_revenue_share": revenue_share}).nodes["ds_revenue_field"].score == field_score


def test_every_text_is_bilingual(impuls):
    for question in impuls.questions.values():
        assert question.text.en and question.text.zh
        assert all(level.en and level.zh for level in getattr(question, "levels", []))
