"""Consistency rules in questionnaire files: the loader refuses a malformed rule naming the file and the key, and
the shipped rules read real questions with answers those questions can take."""

from __future__ import annotations

import pytest
import yaml

from assessment.answers import condition_met
from factories import ROOT
from questionnaires.loader import QuestionnaireError, check_files, load_questionnaire

MINI = ROOT / "tests" / "data" / "mini.yaml"
EXPLANATION = {"en": "These two answers exclude each other.", "zh": "这两个答案互相排斥。"}


def mini_with_rules(tmp_path, rules: list[dict]):
    """mini.yaml with a `consistency` section, written to a file of its own."""
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["consistency"] = rules
    path = tmp_path / "with_rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def rule(rule_id: str, answer: dict, contradicts: dict) -> dict:
    return {"id": rule_id, "answer": answer, "contradicts": contradicts, "explanation": EXPLANATION}


def test_a_well_formed_rule_loads(tmp_path):
    path = mini_with_rules(tmp_path, [rule("paper_but_mes", {"question": "data_ladder", "one_of": [0]},
                                           {"question": "data_tools", "equals": "mes"})])
    [loaded] = load_questionnaire(path).definition.consistency
    assert (loaded.id, loaded.answer.question, loaded.contradicts.equals) == ("paper_but_mes", "data_ladder", "mes")


@pytest.mark.parametrize(("answer", "contradicts", "problem"), [
    ({"question": "data_ladder", "one_of": [0]}, {"question": "nowhere", "equals": True},
     "consistency.0.contradicts.question: 'nowhere' is not a question of this file"),
    ({"question": "data_tools", "equals": "plc"}, {"question": "data_ladder", "at_least": 2},
     "consistency.0.answer: 'plc' is not an option of 'data_tools'"),
    ({"question": "data_ladder", "one_of": [0, 7]}, {"question": "data_tools", "equals": "mes"},
     "consistency.0.answer.one_of.1: 7 is not an answer 'data_ladder' can take: expected a level from 0 to 5"),
    ({"question": "sec_share", "at_least": 120}, {"question": "sec_ladder", "one_of": [0]},
     "consistency.0.answer.at_least: 120.0 is not an answer 'sec_share' can take: expected a number from 0 to 100"),
    ({"question": "sec_platform", "equals": "no"}, {"question": "sec_ladder", "at_least": 3},
     "consistency.0.answer.equals: 'sec_platform' is a yes/no question: use true or false"),
    ({"question": "data_obstacle", "equals": "money"}, {"question": "sec_ladder", "at_least": 3},
     "consistency.0.answer.question: 'data_obstacle' is free text and cannot be a condition"),
])  # fmt: skip
def test_a_malformed_rule_is_refused_naming_the_file_and_the_key(tmp_path, answer, contradicts, problem):
    path = mini_with_rules(tmp_path, [rule("broken", answer, contradicts)])
    with pytest.raises(QuestionnaireError) as refused:
        load_questionnaire(path)
    assert str(path) in str(refused.value)
    assert [str(p).split(": ", 1)[1] for p in refused.value.problems] == [problem]


def test_a_rule_id_used_twice_and_a_missing_explanation_are_refused(tmp_path):
    twice = rule("same", {"question": "data_ladder", "one_of": [0]}, {"question": "data_tools", "equals": "mes"})
    path = mini_with_rules(tmp_path, [twice, twice])
    assert [p.split(": ", 1)[1] for p in check_files([path])[str(path)]] == [
        "consistency.1.id: consistency rule id 'same' is used twice"]
    path = mini_with_rules(tmp_path, [{**twice, "explanation": {"en": "Only English."}}])
    [problem] = check_files([path])[str(path)]
    assert "consistency.0.explanation.zh: Field required" in problem


@pytest.mark.parametrize("name", ["quick_check_v2", "imready_full_v2"])
def test_shipped_rules_are_three_to_six_and_each_can_fire(name):
    questionnaire = load_questionnaire(ROOT / "questionnaires" / f"{name}.yaml")
    rules = questionnaire.definition.consistency
    assert 3 <= len(rules) <= 6
    for item in rules:
        # each condition holds for some answer of its question: a rule that could never fire would hide a typo
        for condition in (item.answer, item.contradicts):
            question = questionnaire.questions[condition.question]
            assert any(condition_met(condition, {question.id: answer}) for answer in possible_answers(question))
        assert item.answer.question != item.contradicts.question


def possible_answers(question) -> list:
    if question.type == "ladder":
        return list(range(6))
    if question.type == "yesno":
        return [True, False]
    if question.type == "multiple":
        return [(option.id,) for option in question.options]
    return [option.id for option in question.options]
