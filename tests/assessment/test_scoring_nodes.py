"""The node function behind `scoring_plan(q).scores` (every node's score and level alone, a level's requirements
looked up together, hidden questions worked out in its own code) gives exactly what `score` gives, on the answers a
careless or hostile caller might send as well as on clean ones."""

import json
import random

import pytest
from test_scoring_identical import answer_sets
from test_scoring_plan import assert_same

from assessment.answers import hidden_questions
from assessment.scoring import score
from assessment.scoring_plan import answer_table, scoring_plan
from assessment.scoring_source import GROUP_TABLE_ENTRIES, _folded_levels, scores_source
from assessment.scoring_tree import TOLERANCE, weight_of
from questionnaires.loader import load_directory

SHIPPED = load_directory()
FULL = SHIPPED[("imready_full", "2.0")]


def profiles(questionnaire) -> list:
    declared = questionnaire.definition.scoring.profiles
    return [*(declared.values if declared else []), None]


def source_of(questionnaire, profile):
    plan = scoring_plan(questionnaire)
    slots = {**plan.question_slots, **{node_id: len(plan.question_ids) + index
                                       for node_id, index in plan.node_index.items()}}
    tables = {question_id: table for question_id in plan.question_ids
              if (table := answer_table(questionnaire, questionnaire.questions[question_id])) is not None}
    return scores_source(questionnaire, profile, slots, tables,
                         [question_id for question_id in plan.question_ids if question_id not in tables])


@pytest.mark.slow
def test_every_level_of_every_gating_node_is_one_lookup():
    source, _, extra = source_of(FULL, "discrete")
    gating_levels = sum(len({source.level for source in node.inputs if weight_of(source, "discrete") > 0})
                        for node in FULL.nodes.values() if node.rule == "gating")
    # 70 levels (14 gating nodes, 5 levels each), each of 2 to 4 requirements of 4 options: at most
    # (4 + unanswered + not applicable) ** 4 = 1,296 answer combinations, within GROUP_TABLE_ENTRIES
    assert gating_levels == 70
    # one table per size of group (the weights are all 1): the levels' answers read in one call per table
    assert sum(len(ids) for ids in extra["GROUPED_IDS"]) == sum(
        weight_of(source, "discrete") > 0 for node in FULL.nodes.values() if node.rule == "gating"
        for source in node.inputs)  # every requirement read once
    assert sorted(len(table) for table in extra["LEVEL_TABLES"]) == [6 ** 2, 6 ** 3, 6 ** 4]
    assert all(len(table) <= GROUP_TABLE_ENTRIES for table in extra["LEVEL_TABLES"])
    assert source.count("LOOK_UP[") == 3 and source.count(" = map(LOOK_UP[") == 3
    assert "rated = weights = 0" not in source  # no requirement added up one by one on this path


@pytest.mark.slow
def test_careless_answers_score_as_score_does():
    """Uniform answers: questions hidden by their condition answered anyway, checklists ticked out of order (no
    table lists them: the careful function takes over), gaps and not-applicable answers, and nothing answered."""
    for profile in profiles(FULL):
        for answers in answer_sets(FULL, random.Random(f"careless {profile}")):
            assert_same(FULL, answers, profile)


@pytest.mark.slow
def test_answers_read_back_from_json_give_the_same_scores():
    listed = 0
    for answers in answer_sets(FULL, random.Random("json")):
        stored = json.loads(json.dumps(answers))
        listed += any(isinstance(value, list) for value in stored.values())
        assert scoring_plan(FULL).scores(stored, "discrete") == scoring_plan(FULL).scores(answers, "discrete")
        assert_same(FULL, stored, "discrete")
    assert listed > 100


@pytest.mark.slow
def test_an_answer_no_table_lists_drops_out_as_score_drops_it():
    """An option a requirement does not have (a stale or forged answer) must neither raise nor count: the lookup
    of its level misses, and the careful function reads it as not applicable, as `score` does."""
    answers = next(answer_sets(FULL, random.Random("forged")))
    requirement = next(question_id for question_id in FULL.requirement_levels if question_id in answers)
    forged = {**answers, requirement: "fully_met_honest"}
    sheet = scoring_plan(FULL).scores(forged, "discrete")
    result = score(FULL, forged, "discrete")
    assert result.question_values[requirement] is None
    assert sheet.node_scores == tuple(node.score for node in result.nodes.values())
    assert sheet.node_levels == tuple(node.level for node in result.nodes.values())


@pytest.mark.parametrize("key", [
    pytest.param(key, id=f"{key[0]}-{key[1]}",
                 marks=[pytest.mark.slow] if len(SHIPPED[key].questions) > 100 else [])  # score() is slow there
    for key in sorted(SHIPPED)])
def test_hidden_questions_worked_out_in_the_code_match_hidden_questions(key):
    """A question shown on a condition counts only when its condition holds. The answer sets answer every
    question, hidden ones too, with conditions met and not: the node function must drop a question exactly when
    answers.hidden_questions says so."""
    questionnaire = SHIPPED[key]
    if not questionnaire.conditional:
        pytest.skip("no question shown on a condition")
    rng = random.Random(f"hidden {key}")
    hiding = showing = 0
    for answers in answer_sets(questionnaire, rng):
        hidden = hidden_questions(questionnaire, answers)
        hiding += bool(hidden)
        showing += len(hidden) < len(questionnaire.conditional)
        assert_same(questionnaire, answers, None)
    assert hiding > 10 and showing > 10  # conditions met and not


def test_a_gating_branch_gets_a_fixed_level_only_when_all_its_scores_share_a_band():
    levels = [(1, "mean0"), (2, "mean1"), (3, "mean2")]
    lows = {"mean0": 0.0, "mean1": 0.0, "mean2": 0.0}
    threshold = 0.8 - TOLERANCE
    whole = (tuple(value - TOLERANCE for value in range(6)), tuple(range(6)))  # as scoring_tree.band_table gives
    # level 1 missed: 0 + [0, 0.8) -> level 0; level 2 missed: 1 + [0, 0.8) -> 1; level 3 missed: 2.x -> 2;
    # all met: 3 + 0.0 = 3.0 -> 3
    assert _folded_levels(levels, threshold, lows, whole) == [0, 1, 2, 3]
    # a band starting at 1.5 cuts the branch "level 2 missed" (1.0 to 1.8): no fixed level, the bands decide
    split = ((0 - TOLERANCE, 1.5 - TOLERANCE), (0, 1))
    assert _folded_levels(levels, threshold, lows, split) is None
    # a requirement whose lowest value is unknown (no answer table): nothing folded
    assert _folded_levels(levels, threshold, {**lows, "mean1": None}, whole) is None
    # a requirement that can score below 0 reaches under the band minimum of 1 (1 - 0.5 = 0.5): not folded
    assert _folded_levels(levels, threshold, {**lows, "mean1": -0.5}, whole) is None
