"""Properties of scoring over mini.yaml and every shipped questionnaire: ranges, monotonicity, determinism."""

import functools
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.answers import answer_value, parse_answer, parse_answers
from assessment.scoring import score
from factories import ROOT
from questionnaires.loader import Questionnaire, load_questionnaire
from questionnaires.schema import NOT_APPLICABLE, ThresholdScale

QUESTIONNAIRES = [ROOT / "tests" / "data" / "mini.yaml", *sorted((ROOT / "questionnaires").glob("*.yaml"))]
SCORE_RANGE = {"item": (0, 5), "dimension": (0, 5), "overall": (0, 5), "paradigm": (0, 100),
               "standard": (0, 5)}
EPSILON = 1e-9
PROPERTY = settings(max_examples=40, deadline=None)

parametrize_questionnaires = pytest.mark.parametrize(
    "path", QUESTIONNAIRES, ids=[str(path.relative_to(ROOT)) for path in QUESTIONNAIRES]
)


@functools.cache
def loaded(path: Path) -> Questionnaire:
    return load_questionnaire(path)


def answer_strategy(question, *, allow_na: bool = True) -> st.SearchStrategy:
    """Valid raw (JSON-form) answers to one question."""
    if question.type == "ladder":
        answers = st.integers(0, 5)
    elif question.type == "single":
        answers = st.sampled_from([option.id for option in question.options])
    elif question.type == "multiple":
        answers = st.lists(st.sampled_from([option.id for option in question.options]), unique=True)
    elif question.type == "number" and question.integer:
        answers = st.integers(math.ceil(question.min), math.floor(question.max))
    elif question.type == "number":
        answers = st.floats(question.min, question.max, allow_nan=False)
    elif question.type == "yesno":
        answers = st.booleans()
    else:
        return st.text(max_size=20)
    return answers | st.just(NOT_APPLICABLE) if allow_na and question.not_applicable else answers


def all_answers(questionnaire: Questionnaire) -> st.SearchStrategy:
    """A raw answer to every question, hidden ones included (the questionnaire drops those)."""
    return st.fixed_dictionaries({qid: answer_strategy(question) for qid, question in questionnaire.questions.items()})


def free_inputs(questionnaire: Questionnaire) -> list[str]:
    """Questions feeding the scoring tree that no other question depends on."""
    # Changing a question that others' show_if reads also shows or hides them, bringing their own answers in or
    # out: that is the questionnaire's design, not a property of the rules.
    conditions = {question.show_if.question for question in questionnaire.questions.values() if question.show_if}
    fed = {source.ref for node in questionnaire.nodes.values() for source in node.inputs}
    return [qid for qid in questionnaire.questions if qid in fed and qid not in conditions]


def value(questionnaire: Questionnaire, question_id: str, raw: object) -> float | None:
    question = questionnaire.questions[question_id]
    return answer_value(questionnaire, question, parse_answer(question, raw))


def lowest_answer(questionnaire: Questionnaire, question_id: str) -> object:
    """The answer to a question that scores least."""
    question = questionnaire.questions[question_id]
    if question.type == "ladder":
        candidates = list(range(6))
    elif question.type == "single":
        candidates = [option.id for option in question.options]
    elif question.type == "multiple":
        candidates = [[option.id for option in question.options if value(questionnaire, question_id, [option.id]) < 0]]
    elif question.type == "number":
        scale = questionnaire.definition.scales[question.scale]
        assert isinstance(scale, ThresholdScale)
        candidates = [question.min] + [step.min for step in scale.steps if question.min < step.min <= question.max]
    else:
        candidates = [True, False]
    return min(candidates, key=lambda raw: value(questionnaire, question_id, raw))


def scores(questionnaire: Questionnaire, raw: dict) -> dict[str, float | None]:
    answers, problems = parse_answers(questionnaire, raw)
    assert problems == []
    return {node_id: node.score for node_id, node in score(questionnaire, answers).nodes.items()}


def assert_not_lower(before: dict, after: dict) -> None:
    for node_id, old in before.items():
        if old is not None and after[node_id] is not None:
            assert after[node_id] >= old - EPSILON, f"{node_id} fell from {old} to {after[node_id]}"


@parametrize_questionnaires
@PROPERTY
@given(data=st.data())
def test_scores_stay_in_range(path, data):
    questionnaire = loaded(path)
    answers, problems = parse_answers(questionnaire, data.draw(all_answers(questionnaire)))
    assert problems == []
    for profile in (None, *getattr(questionnaire.definition.scoring.profiles, "values", [])):
        for node_id, node in score(questionnaire, answers, profile).nodes.items():
            low, high = SCORE_RANGE[node.kind]
            high = max(high, questionnaire.score_tops[node_id])  # 0-100 for the EU DMA's scores
            if node.score is not None:
                assert low - EPSILON <= node.score <= high + EPSILON, f"{node_id} = {node.score}"
            levels = {band.level for band in questionnaire.bands(questionnaire.nodes[node_id])}
            assert node.level is None if node.score is None or not levels else node.level in levels


@parametrize_questionnaires
@PROPERTY
@given(data=st.data())
def test_a_better_answer_never_lowers_a_score(path, data):
    questionnaire = loaded(path)
    raw = data.draw(all_answers(questionnaire))
    question_id = data.draw(st.sampled_from(free_inputs(questionnaire)))
    strategy = answer_strategy(questionnaire.questions[question_id], allow_na=False)
    worse, better = sorted(data.draw(st.tuples(strategy, strategy)), key=lambda a: value(questionnaire, question_id, a))
    assert_not_lower(
        scores(questionnaire, {**raw, question_id: worse}), scores(questionnaire, {**raw, question_id: better})
    )


@parametrize_questionnaires
@PROPERTY
@given(data=st.data())
def test_not_applicable_never_lowers_a_score_below_the_lowest_answer(path, data):
    questionnaire = loaded(path)
    candidates = [qid for qid in free_inputs(questionnaire) if questionnaire.questions[qid].not_applicable]
    if not candidates:
        return
    raw = data.draw(all_answers(questionnaire))
    question_id = data.draw(st.sampled_from(candidates))
    lowest = {**raw, question_id: lowest_answer(questionnaire, question_id)}
    assert_not_lower(scores(questionnaire, lowest), scores(questionnaire, {**raw, question_id: NOT_APPLICABLE}))


@parametrize_questionnaires
@PROPERTY
@given(data=st.data())
def test_scores_are_deterministic(path, data):
    questionnaire = loaded(path)
    raw = data.draw(all_answers(questionnaire))
    answers, _ = parse_answers(questionnaire, raw)
    reordered, _ = parse_answers(questionnaire, dict(reversed(list(raw.items()))))
    first = score(questionnaire, answers).to_dict(questionnaire)
    assert score(questionnaire, answers).to_dict(questionnaire) == first
    assert score(questionnaire, reordered).to_dict(questionnaire) == first
