"""The EU EDIH Digital Maturity Assessment as a questionnaire file: six dimensions 0-100, overall their mean."""

import pytest

from assessment.answers import parse_answers
from assessment.scoring import score

ANSWERS = {
    # digital business strategy: 5 of 10 areas -> 50; 8 of 10 readiness statements -> 80; (50 + 80) / 2 = 65
    "dbs_areas": ["design", "planning", "operations", "marketing", "finance"],
    "dbs_readiness": ["needs", "finance", "infrastructure", "staff", "management", "processes", "clients", "risks"],
    # digital readiness: 6 of 10 basic -> 60; 2 of 7 advanced on [0, 7] -> [0, 100] = 28.5714...;
    # (60 + 28.5714) / 2 = 44.2857
    "dr_basic": ["connectivity", "website", "forms", "emarketing", "remote", "erp"],
    "dr_advanced": 2,
    # human-centric: 3 of 6 -> 50; 6 of 6 -> 100; (50 + 100) / 2 = 75
    "hc_skills": ["assess", "short", "learning_by_doing"],
    "hc_engagement": ["awareness", "transparency", "user_centred", "autonomy", "working_conditions", "wellbeing"],
    # data management: 7 of 7 -> 100; 0 of 7 security measures -> 0; (100 + 0) / 2 = 50
    "dm_practices": ["policy", "digital", "integrated", "realtime", "analysed", "external", "dashboards"],
    "dm_security": 0,
    # automation and AI: 3 of 6 -> 50; 30 % automated -> 30; (50 + 30) / 2 = 40
    "ai_technologies": 3,
    "ai_share": 30,
    # green: 0 of 7 -> 0; 1 of 5 -> 20; (0 + 20) / 2 = 10
    "gd_practices": [],
    "gd_considerations": ["monitoring"],
}
DIMENSIONS = {
    "digital_business_strategy": 65.0, "digital_readiness": 44.2857, "human_centric_digitalisation": 75.0,
    "data_management": 50.0, "automation_ai": 40.0, "green_digitalisation": 10.0,
}  # fmt: skip
# overall = (65 + 44.2857 + 75 + 50 + 40 + 10) / 6 = 284.2857 / 6 = 47.3810
OVERALL = 47.381


@pytest.fixture(scope="module")
def dma(catalog):
    return catalog.get("eu_dma", "1.0")


def result_of(questionnaire, changes: dict | None = None):
    answers, problems = parse_answers(questionnaire, {**ANSWERS, **(changes or {})})
    assert problems == []
    return score(questionnaire, answers)


def test_it_is_offered_without_paradigms_or_roadmap(dma):
    assert dma is not None
    assert [d.id for d in dma.dimensions] == list(DIMENSIONS)
    assert not dma.has_paradigms and dma.definition.roadmap is None
    assert "Joint Research Centre" in dma.definition.anchors["DMA"].en


def test_dimensions_and_overall_by_hand(dma):
    result = result_of(dma)
    assert {d: result.nodes[d].score for d in DIMENSIONS} == pytest.approx(DIMENSIONS, abs=1e-4)
    assert result.nodes["overall"].score == pytest.approx(OVERALL, abs=1e-3)
    assert all(source.weight == 1 for source in dma.overall_node.inputs)  # the plain mean of the six
    # levels as the EDIH network reads scores: basic 0-25, average 26-50, moderately advanced 51-75, advanced 76-100
    assert result.nodes["overall"].level == 2  # 47.38: average
    assert result.nodes["green_digitalisation"].level == 1  # 10: basic
    assert result.nodes["human_centric_digitalisation"].level == 3  # 75: still moderately advanced
    assert result.nodes["digital_business_strategy"].level == 3  # 65


@pytest.mark.parametrize(("count", "expected"), [
    (0, 0.0), (1, 100 / 7), (7, 100.0),  # 1 of 7 security measures: 14.2857
])  # fmt: skip
def test_a_count_is_mapped_linearly_to_0_100(dma, count, expected):
    assert result_of(dma, {"dm_security": count}).nodes["dm_security_score"].score == pytest.approx(expected, abs=1e-4)


def test_a_count_above_its_scale_is_refused(dma):
    _answers, problems = parse_answers(dma, {**ANSWERS, "dm_security": 8})
    assert [problem.question_id for problem in problems] == ["dm_security"]


def test_all_and_nothing(dma):
    everything = {
        question_id: [option.id for option in question.options] if question.type == "multiple" else question.max
        for question_id, question in dma.questions.items()
    }
    nothing = {question_id: [] if question.type == "multiple" else 0 for question_id, question in dma.questions.items()}
    assert result_of(dma, everything).nodes["overall"].score == pytest.approx(100.0)
    assert result_of(dma, nothing).nodes["overall"].score == 0.0
