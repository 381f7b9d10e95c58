"""The compiled scoring plan gives every node the score and level `score` gives, for every questionnaire we ship."""

import json
import random
import re

import pytest
from test_scoring_identical import gaps

from assessment.answers import parse_answers
from assessment.scoring import score
from assessment.scoring_plan import scoring_plan
from assessment.scoring_source import scoring_source
from assessment.synthetic import synthetic_answers
from factories import MINI, MINI_ANSWERS
from questionnaires.loader import load_directory, load_questionnaire

SHIPPED = load_directory()
ANSWER_SETS = 150  # per questionnaire and profile: enough to pass through every rule's branches many times


def varied_answers(questionnaire, rng: random.Random) -> dict:
    """A synthetic answer set with some answers left out and some turned not-applicable, so inputs drop out."""
    return gaps(questionnaire, synthetic_answers(questionnaire, rng.uniform(0, 5), rng), rng)


def assert_same(questionnaire, answers, profile):
    result = score(questionnaire, answers, profile)
    sheet = scoring_plan(questionnaire).scores(answers, profile)
    assert set(sheet.scores) == set(sheet.levels) == set(result.nodes)
    for node_id, node in result.nodes.items():
        planned = sheet.score(node_id)
        assert planned == node.score, node_id  # exactly: score() takes its values from the plan
        assert sheet.level(node_id) == sheet.levels[node_id] == node.level, node_id


@pytest.mark.parametrize("key", [
    pytest.param(key, id=f"{key[0]}-{key[1]}",
                 marks=[pytest.mark.slow] if len(SHIPPED[key].questions) > 100 else [])  # synthetic answers are slow
    for key in sorted(SHIPPED)])
def test_the_plan_scores_every_shipped_questionnaire_as_score_does(key):
    questionnaire = SHIPPED[key]
    profiles = questionnaire.definition.scoring.profiles
    rng = random.Random(f"{key}")
    for profile in [*(profiles.values if profiles else []), None, "no such profile"]:
        for _ in range(ANSWER_SETS):
            assert_same(questionnaire, varied_answers(questionnaire, rng), profile)
        assert_same(questionnaire, {}, profile)  # nothing answered: every node not applicable


def test_the_shipped_questionnaires_use_every_rule_the_plan_knows():
    rules = {node.rule for questionnaire in SHIPPED.values() for node in questionnaire.nodes.values()}
    # so the test above passes through every rule, gating and levels included
    assert rules == {"weighted_mean", "sum", "min", "gating", "progress", "levels"}


def test_the_levels_node_reads_the_sums_the_gating_nodes_wrote():
    """Each level's requirement sums are written once: the CMMM level reuses every gating node's."""
    full = SHIPPED[("imready_full", "2.0")]
    plan = scoring_plan(full)
    slots = {**plan.question_slots, **{node_id: len(plan.question_ids) + index
                                       for node_id, index in plan.node_index.items()}}
    source = scoring_source(full, "discrete", slots, {}, [])
    # one mean line per level of every gating node, and no more
    written = len(re.findall(r"mean\d+ = \(0 \+ ", source))
    gating_levels = sum(len({source.level for source in node.inputs}) for node in full.nodes.values()
                        if node.rule == "gating")
    assert written == gating_levels


@pytest.fixture(scope="module")
def mini():
    return load_questionnaire(MINI)


def test_the_plan_scores_mini_as_worked_by_hand(mini):
    answers, problems = parse_answers(mini, MINI_ANSWERS)
    assert problems == []
    sheet = scoring_plan(mini).scores(answers, "discrete")
    # tests/assessment/test_scoring.py: data (3·2 + 1·4)/4 = 2.5, security min(3, 5, 2.5) = 2.5,
    # integration 1 + 0.65 = 1.65, overall (2·2.5 + 2.5 + 1.65)/4 = 2.2875
    assert sheet.score("data") == pytest.approx(2.5)
    assert sheet.score("security") == pytest.approx(2.5)
    assert sheet.score("int_requirements") == pytest.approx(1.65)
    assert sheet.score("overall") == pytest.approx(2.2875)
    assert sheet.level("data") == 2


def test_the_capped_sum_and_checklists_on_mini(mini):
    answers, _ = parse_answers(mini, {**MINI_ANSWERS, "data_tools": ["cad", "mes", "erp"]})
    sheet = scoring_plan(mini).scores(answers, "discrete")
    assert sheet.score("data_systems") == 5.0  # 2 + 2 + 2 = 6, capped at 5
    assert sheet.score("data") == pytest.approx(2.75)  # (3·2 + 5)/4
    rng = random.Random(3)
    for _ in range(ANSWER_SETS):
        assert_same(mini, varied_answers(mini, rng), rng.choice(["discrete", "process", None]))


def test_the_plan_is_compiled_once_per_questionnaire(mini):
    assert scoring_plan(mini) is scoring_plan(mini)
    assert scoring_plan(load_questionnaire(MINI)) is not scoring_plan(mini)  # a reloaded file gets its own plan


def test_parsed_answers_are_keyed_by_the_questionnaires_own_id_strings(mini):
    # Read back from JSON, the keys are new strings; parsed, they are the questionnaire's own, which the plan's
    # lookups find without comparing characters
    raw = json.loads(json.dumps(MINI_ANSWERS))
    answers, _ = parse_answers(mini, raw)
    assert answers and all(key is mini.questions[key].id for key in answers)
    assert not any(key is next(k for k in raw if k == key) for key in answers)
