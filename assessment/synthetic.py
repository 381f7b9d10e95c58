"""Synthetic answers for demonstration data: plausible answers around a chosen maturity, reproducible by seed."""

from __future__ import annotations

import random

from assessment.answers import Answer, answer_value, condition_met, visible_questions
from questionnaires.loader import Questionnaire

# Share of enterprises by CMMM level in the national self-diagnosis, 2022 (assessment/data/published_benchmarks.csv):
# <= L1 63 %, L2 21 %, L3 12 %, L4+ 4 %. Demo enterprises draw their maturity from these shares.
CMMM_2022_SHARES = ((0.63, (0.3, 1.8)), (0.21, (1.8, 2.8)), (0.12, (2.8, 3.8)), (0.04, (3.8, 5.0)))


def draw_maturity(rng: random.Random) -> float:
    """A maturity on 0-5 drawn so that levels follow the published 2022 shares."""
    pick = rng.random()
    for share, (low, high) in CMMM_2022_SHARES:
        if pick < share:
            return rng.uniform(low, high)
        pick -= share
    return rng.uniform(*CMMM_2022_SHARES[-1][1])


def synthetic_answers(questionnaire: Questionnaire, maturity: float, rng: random.Random) -> dict[str, Answer]:
    """A complete answer set whose scored values scatter around `maturity` (0-5)."""
    answers: dict[str, Answer] = {}
    levels = questionnaire.requirement_levels
    for question_id, question in questionnaire.questions.items():
        if question_id not in visible_questions(questionnaire, answers):
            continue
        target = min(5.0, max(0.0, rng.gauss(maturity, 0.7)))
        if question_id in levels:  # a requirement of a level: met well below the maturity, not met well above it
            target = min(1.0, max(0.0, target - levels[question_id] + 1))
        answers[question_id] = _closest_answer(questionnaire, question, target, rng)
        _keep_consistent(questionnaire, question, answers)
    return {qid: answer for qid, answer in answers.items() if qid in visible_questions(questionnaire, answers)}


def _closest_answer(questionnaire: Questionnaire, question, target: float, rng: random.Random) -> Answer:
    if question.type == "ladder":
        return min(range(6), key=lambda level: abs(answer_value(questionnaire, question, level) - target))
    if question.type == "text":
        return ""
    if question.type == "number":
        candidates = [question.min + (question.max - question.min) * step / 20 for step in range(21)]
        if question.integer:
            candidates = sorted({round(value) for value in candidates})
        if not question.scale:
            return rng.choice(candidates)
        return min(candidates, key=lambda v: abs(answer_value(questionnaire, question, v) - target))
    if question.type == "yesno":
        if not question.scale:
            return rng.random() < 0.5
        return min((True, False), key=lambda v: abs(answer_value(questionnaire, question, v) - target))
    options = [option.id for option in question.options]
    if question.type == "single":
        if not question.scale:
            return rng.choice(options)
        return min(options, key=lambda v: abs(answer_value(questionnaire, question, v) - target))
    chosen: list[str] = []
    for option in rng.sample(options, len(options)):
        trial = tuple(o for o in options if o in chosen or o == option)
        if not question.scale or answer_value(questionnaire, question, trial) <= target + 0.5:
            chosen.append(option)
        if question.scale and answer_value(questionnaire, question, tuple(chosen)) >= target:
            break
    return tuple(o for o in options if o in chosen)


def _keep_consistent(questionnaire: Questionnaire, question, answers: dict[str, Answer]) -> None:
    """A plausible enterprise does not contradict itself: when the answer just drawn breaks a consistency rule with an
    earlier answer, it becomes the nearest answer that does not (no random draw, so the rest of the set is unchanged).
    """
    for rule in questionnaire.definition.consistency:
        for side in (rule.answer, rule.contradicts):
            other = rule.contradicts if side is rule.answer else rule.answer
            if side.question != question.id or not condition_met(other, answers):
                continue
            if condition_met(side, answers):
                answers[question.id] = _nearest_outside(questionnaire, question, side, answers[question.id])


def _nearest_outside(questionnaire: Questionnaire, question, condition, answer: Answer) -> Answer:
    """The answer closest to `answer` (a number by its difference, else by its value or position) for which
    `condition` does not hold; `answer` itself when there is none."""
    if question.type == "multiple":
        return tuple(option for option in answer if not condition_met(condition, {question.id: (option,)}))
    if question.type == "ladder":
        candidates: list[Answer] = list(range(6))
    elif question.type == "yesno":
        candidates = [True, False]
    elif question.type == "single":
        candidates = [option.id for option in question.options]
    else:  # a number: the steps `_closest_answer` draws from
        candidates = [question.min + (question.max - question.min) * step / 20 for step in range(21)]
        if question.integer:
            candidates = sorted({round(value) for value in candidates})
    allowed = [candidate for candidate in candidates if not condition_met(condition, {question.id: candidate})]

    def distance(candidate: Answer) -> float:
        if question.type == "number":
            return abs(candidate - answer)
        if question.scored:
            return abs(answer_value(questionnaire, question, candidate) - answer_value(questionnaire, question, answer))
        return abs(candidates.index(candidate) - candidates.index(answer))

    return min(allowed, key=distance) if allowed else answer
