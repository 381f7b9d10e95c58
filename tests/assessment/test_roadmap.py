"""The roadmap engine against hand-worked plans: priorities, targets, prerequisites, parallel tracks and phases.

The questionnaire is tests/data/mini.yaml (dimensions data, security, integration; overall weights for discrete
industries 2, 1, 1, so relative weights 1, 0.5, 0.5) with the roadmap below added.
"""

from pathlib import Path

import pytest
import yaml

from assessment.cohorts.groups import Cohort, CohortComparison, NodeComparison
from assessment.roadmap import Settings, Target, build_plan, resolve_action
from assessment.scoring import NodeResult, Result
from factories import MINI
from questionnaires.loader import QuestionnaireError, load_questionnaire

MONTHS = {"data": 6, "security": 3, "integration": 12}


def text(en: str) -> dict:
    return {"en": en, "zh": f"中文{en}"}


def roadmap_section(**changes) -> dict:
    actions = []
    for dimension, months in MONTHS.items():
        for level in range(1, 6):
            action = {
                "dimension": dimension,
                "level": level,
                "months": months,
                "title": text(f"{dimension} to {level}"),
                "what": text(f"do {dimension} {level}"),
                "why": text("because"),
                "indicator": text("a figure"),
            }
            if (dimension, level) == ("data", 3):
                action["variants"] = [
                    {"when": {"industry_type": "process"}, "months": 9, "title": text("data to 3, process")},
                    {"when": {"sizes": ["micro", "small"]}, "what": text("do data 3, small")},
                    {
                        "when": {"industry_type": "process", "sizes": ["small"]},
                        "what": text("do data 3, small process"),
                    },
                ]
            actions.append(action)
    section = {
        "priority_weights": {"gap": 0.4, "weight": 0.2, "cohort": 0.2, "goals": 0.2},
        "dimension_goals": {"data": ["quality", "cost"], "security": ["safety"], "integration": ["delivery", "cost"]},
        "paradigm_levels": {"digital": 2, "networked": 3, "intelligent": 4},
        "parallel_tracks": 2,
        "phases": [6, 18, 36],
        "prerequisites": [
            {"dimension": "integration", "level": 3, "requires": "data", "at_least": 3, "why": text("data first")}
        ],
        "actions": actions,
    }
    section.update(changes)
    return section


def write_mini(tmp_path, **changes) -> Path:
    raw = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    raw["roadmap"] = roadmap_section(**changes)
    path = tmp_path / "mini_roadmap.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def questionnaire(tmp_path):
    return load_questionnaire(write_mini(tmp_path))


def result(profile="discrete", **scores) -> Result:
    nodes = {
        dimension: NodeResult(dimension, "dimension", "weighted_mean", score, int(score + 1e-9), ())
        for dimension, score in scores.items()
    }
    return Result("mini", "1.0", profile, nodes)


SCORES = {"data": 1.5, "security": 2.4, "integration": 2.0}
COHORT = {  # median, q3, p90
    "data": (2.5, 3.2, 4.1),
    "security": (2.0, 3.0, 3.6),
    "integration": (3.0, 3.5, 4.4),
}


def comparison(scores=SCORES) -> CohortComparison:
    nodes = {
        dimension: NodeComparison(scores[dimension], 50.0, median - 0.5, median, q3, p90)
        for dimension, (median, q3, p90) in COHORT.items()
    }
    return CohortComparison(Cohort("mini", 2026, "100000"), ("country", "all", "all"), 40, 0, nodes, ())


GOALS = Settings(goals=frozenset({"cost", "quality"}))


def plan_for(questionnaire, settings=GOALS, **options):
    options = {"industry_type": "discrete", "size": "medium", **options}
    compare = options.pop("comparison", comparison())
    profile = options["industry_type"]
    return build_plan(questionnaire, result(profile, **SCORES), compare, settings, **options)


def test_priorities_are_the_weighted_sum_of_their_four_parts(questionnaire):
    plan = plan_for(questionnaire)
    by_dimension = {p.dimension: p for p in plan.priorities}
    data, security, integration = by_dimension["data"], by_dimension["security"], by_dimension["integration"]
    # data: level 1 -> 2; gap (2 - 1.5)/5, weight 2/2, cohort (2.5 - 1.5)/5, goals {cost, quality} both served
    assert (data.gap, data.weight, data.cohort, data.goals) == pytest.approx((0.1, 1.0, 0.2, 1.0))
    assert data.value == pytest.approx(0.4 * 0.1 + 0.2 * 1.0 + 0.2 * 0.2 + 0.2 * 1.0)  # 0.48
    # security: level 2 -> 3; above its cohort median, serves neither goal
    assert (security.gap, security.weight, security.cohort, security.goals) == pytest.approx((0.12, 0.5, 0, 0))
    assert security.value == pytest.approx(0.148)
    # integration: level 2 -> 3; serves cost, one of two goals
    assert integration.value == pytest.approx(0.4 * 0.2 + 0.2 * 0.5 + 0.2 * 0.2 + 0.2 * 0.5)  # 0.32
    assert [p.dimension for p in plan.priorities] == ["data", "integration", "security"]
    assert plan.weights == {"gap": 0.4, "weight": 0.2, "cohort": 0.2, "goals": 0.2}


def test_order_respects_prerequisites_and_runs_tracks_in_parallel(questionnaire):
    plan = plan_for(questionnaire)
    timeline = [(s.dimension, s.level, s.start, s.end) for s in plan.steps]
    # Two tracks: data 2 and security 3 start at once. Integration 3 needs data at 3, which the plan adds and
    # schedules after data 2 (6 months each); integration (12 months) starts when data 3 ends.
    assert timeline == [
        ("data", 2, 0, 6),
        ("security", 3, 0, 3),
        ("data", 3, 6, 12),
        ("integration", 3, 12, 24),
    ]
    steps = {(s.dimension, s.level): s for s in plan.steps}
    assert steps[("data", 3)].required_by == (("integration", 3),)
    assert steps[("integration", 3)].waits_for == (("data", 3),)
    assert steps[("data", 3)].priority == pytest.approx(0.48)  # its own dimension's, higher than integration's
    assert plan.months == 24


def test_one_track_runs_steps_one_after_another_by_priority(tmp_path):
    questionnaire = load_questionnaire(write_mini(tmp_path, parallel_tracks=1))
    plan = plan_for(questionnaire)
    timeline = [(s.dimension, s.level, s.start, s.end) for s in plan.steps]
    assert timeline == [
        ("data", 2, 0, 6),
        ("data", 3, 6, 12),  # carries integration's priority 0.32 at least, its own 0.48, so before security
        ("integration", 3, 12, 24),
        ("security", 3, 24, 27),
    ]
    assert [(phase.start, phase.end) for phase in plan.phases] == [(0, 6), (6, 18), (18, 36)]
    assert [len(phase.steps) for phase in plan.phases] == [1, 2, 1]
    # the plan is done at month 27 (security 3 ends then): its last phase is shown as months 18-27, not the declared
    # 18-36 the plan never reaches
    assert plan.months == 27 and [phase.shown_end for phase in plan.phases] == [6, 18, 27]


def test_phases_are_named_for_the_paradigm_work_they_hold(questionnaire):
    plan = plan_for(questionnaire)
    # levels up to 2 are digital work, 3 networked, 4 and 5 intelligent
    assert [(p.start, p.end, p.paradigms) for p in plan.phases] == [
        (0, 6, ("digital", "networked")),  # data 2, security 3
        (6, 18, ("networked",)),  # data 3, integration 3
        (18, 36, ()),
    ]


def test_targets_from_the_cohort_and_from_a_paradigm(questionnaire):
    settings = Settings(
        targets={"data": Target("best_in_class"), "security": Target.parse("paradigm:intelligent")},
        default=Target("upper_quartile"),
    )
    plan = plan_for(questionnaire, settings)
    by_dimension = {p.dimension: p for p in plan.priorities}
    assert (by_dimension["data"].target_score, by_dimension["data"].target_level) == (4.1, 4)
    assert by_dimension["data"].gap == pytest.approx((4.1 - 1.5) / 5)
    assert (by_dimension["security"].target_score, by_dimension["security"].target_level) == (4, 4)
    assert (by_dimension["integration"].target_score, by_dimension["integration"].target_level) == (3.5, 3)
    levels = sorted((s.dimension, s.level) for s in plan.steps)
    assert levels == [("data", 2), ("data", 3), ("data", 4), ("integration", 3), ("security", 3), ("security", 4)]
    # priorities (no goals chosen): data 0.4·0.52 + 0.2·1 + 0.2·0.2 = 0.448, integration 0.4·0.3 + 0.2·0.5 +
    # 0.2·0.2 = 0.26, security 0.4·0.32 + 0.2·0.5 = 0.228; two tracks; integration 3 waits for data 3
    timeline = [(s.dimension, s.level, s.start, s.end) for s in plan.steps]
    assert timeline == [
        ("data", 2, 0, 6),
        ("security", 3, 0, 3),
        ("security", 4, 3, 6),
        ("data", 3, 6, 12),
        ("data", 4, 12, 18),
        ("integration", 3, 12, 24),
    ]
    assert [(phase.start, phase.end, len(phase.steps)) for phase in plan.phases] == [(0, 6, 3), (6, 18, 3), (18, 36, 0)]


def test_without_a_cohort_cohort_targets_fall_back_to_the_next_level(questionnaire):
    settings = Settings(default=Target("upper_quartile"))
    plan = plan_for(questionnaire, settings, comparison=None)
    assert all(p.note == "no_cohort" and p.target_level == p.level + 1 for p in plan.priorities)
    assert all(p.cohort is None for p in plan.priorities)
    assert not plan.cohort_used


def test_a_dimension_at_its_target_gets_no_steps(questionnaire):
    settings = Settings(targets={"security": Target.parse("paradigm:digital")})
    plan = plan_for(questionnaire, settings)
    security = next(p for p in plan.priorities if p.dimension == "security")
    assert security.at_target and security.gap == 0
    assert not [s for s in plan.steps if s.dimension == "security"]


def test_actions_are_adapted_to_industry_type_and_size(questionnaire):
    action = next(a for a in questionnaire.definition.roadmap.actions if (a.dimension, a.level) == ("data", 3))
    general = resolve_action(action, "discrete", "large")
    assert (general.title.en, general.what.en, general.months, general.variant) == (
        "data to 3",
        "do data 3",
        6,
        "",
    )
    process_large = resolve_action(action, "process", "large")
    assert (process_large.title.en, process_large.what.en, process_large.months) == (
        "data to 3, process",
        "do data 3",
        9,
    )
    small_discrete = resolve_action(action, "discrete", "small")
    assert (small_discrete.what.en, small_discrete.months) == ("do data 3, small", 6)
    small_process = resolve_action(action, "process", "small")  # the variant naming both wins
    assert (small_process.what.en, small_process.months, small_process.variant) == (
        "do data 3, small process",
        6,
        "process small",
    )
    plan = plan_for(questionnaire, industry_type="process")
    timeline = [(s.dimension, s.level, s.start, s.end) for s in plan.steps]
    assert timeline[2:] == [("data", 3, 6, 15), ("integration", 3, 15, 27)]


def test_same_inputs_same_plan(questionnaire):
    assert plan_for(questionnaire) == plan_for(questionnaire)


def test_a_prerequisite_cycle_is_refused_at_load_with_path_and_key(tmp_path):
    cycle = [
        {"dimension": "integration", "level": 3, "requires": "data", "at_least": 3, "why": text("a")},
        {"dimension": "data", "level": 2, "requires": "integration", "at_least": 4, "why": text("b")},
    ]
    path = write_mini(tmp_path, prerequisites=cycle)
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    message = str(caught.value)
    assert str(path) in message
    assert "roadmap.prerequisites: the prerequisites have a cycle" in message
    assert "data level 2 -> integration level 4 -> integration level 3 -> data level 3 -> data level 2" in message


def test_a_missing_action_and_an_unknown_dimension_are_refused(tmp_path):
    actions = roadmap_section()["actions"]
    actions = [a for a in actions if (a["dimension"], a["level"]) != ("security", 4)]
    actions[0] = {**actions[0], "dimension": "quality"}
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(write_mini(tmp_path, actions=actions))
    problems = [str(problem) for problem in caught.value.problems]
    assert any("roadmap.actions.0.dimension: 'quality' is not a dimension" in p for p in problems)
    assert any("dimension 'security' has no action for level 4" in p for p in problems)
    assert any("dimension 'data' has no action for level 1" in p for p in problems)
