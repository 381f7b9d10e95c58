"""A questionnaire's scoring tree compiled once into a flat plan: scoring an answer set is then one pass over arrays.

The plan gives every node's score and level, the same numbers as `scoring.score` (same operations in the same
order), without the trace of contributions that explains them: for bulk scoring (benchmarks, rebuilds, simulations).
The result page and the stored result keep `scoring.score`, which explains each score.

Slots: the scored questions first (in file order), then the nodes in post-order (every node after its inputs); a
node's inputs are the slots they fill, so a pass fills the slots left to right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from assessment.answers import Answer, hidden_questions, value_function
from assessment.scoring import BandTable, band_table, level_in, profile_of, requirements, weight_of
from questionnaires.loader import Questionnaire
from questionnaires.schema import NOT_APPLICABLE, LadderQuestion, MapScale, Node, SingleQuestion, YesNoQuestion

# The rules as small integers, the index of their function in `_RULES` below.
WEIGHTED_MEAN, SUM, MINIMUM, GATING, PROGRESS, LEVELS = range(6)
RULE_CODES = {"weighted_mean": WEIGHTED_MEAN, "sum": SUM, "min": MINIMUM, "gating": GATING,
              "progress": PROGRESS, "levels": LEVELS}

LADDER_LEVELS = range(6)  # a ladder's answers, 0 to 5 (answers.parse_answer)

# A level or band counts when reached to within this, as in scoring.py (a mean of 0.7999999999 meets 0.8).
TOLERANCE = 1e-9


class ScoreSheet(NamedTuple):
    """Every node's score (None: nothing applicable) and level (None: the node has no bands, or no score)."""

    scores: dict[str, float | None]
    levels: dict[str, int | None]


class Step(NamedTuple):
    """One node of the plan: its rule code, the slot it fills, and what its rule needs (see `_compile_step`)."""

    rule: int
    slot: int
    inputs: tuple
    extra: tuple = ()


@dataclass(frozen=True)
class ScoringPlan:
    """A questionnaire's scoring tree as flat arrays, one list of steps per weight profile."""

    questionnaire: Questionnaire
    question_ids: tuple[str, ...]  # slot i holds the value of question_ids[i]
    tables: tuple[dict, ...]  # answer -> number of the first len(tables) questions, whose answers a table lists
    converters: tuple[Callable[[Answer], float], ...]  # answer -> number of the rest (numbers, checklists)
    question_slots: dict[str, int]  # question id -> its slot
    node_ids: tuple[str, ...]  # slot len(question_ids) + j holds the score of node_ids[j]
    banded: tuple[tuple[str, int, BandTable], ...]  # (node id, its slot, its bands) of the nodes that have bands
    steps: dict[str | None, tuple[Step, ...]]  # profile -> the nodes in post-order

    def scores(self, answers: Mapping[str, Answer], profile: str | None = None) -> ScoreSheet:
        """Score parsed answers in one pass; unanswered, hidden and not-applicable questions drop out."""
        ids, get = self.question_ids, answers.get
        # a table has no entry for None (unanswered) or "na" (not applicable): both give None
        values = list(map(dict.get, self.tables, map(get, ids)))
        for question_id, convert in zip(ids[len(self.tables):], self.converters, strict=True):
            answer = get(question_id)
            values.append(None if answer is None or answer == NOT_APPLICABLE else convert(answer))
        if self.questionnaire.conditional:
            slots = self.question_slots
            for question_id in hidden_questions(self.questionnaire, answers):
                if question_id in slots:
                    values[slots[question_id]] = None
        append = values.append
        for step in self.steps[profile_of(self.questionnaire, profile)]:
            append(_RULES[step.rule](values, step))
        levels = dict.fromkeys(self.node_ids)
        for node_id, slot, table in self.banded:
            levels[node_id] = level_in(table, values[slot])
        return ScoreSheet(dict(zip(self.node_ids, values[len(ids):], strict=True)), levels)


_plans: dict[int, ScoringPlan] = {}


def scoring_plan(questionnaire: Questionnaire) -> ScoringPlan:
    """The compiled plan of a questionnaire, built once per loaded questionnaire."""
    plan = _plans.get(id(questionnaire))
    if plan is None or plan.questionnaire is not questionnaire:
        plan = _plans[id(questionnaire)] = compile_plan(questionnaire)
    return plan


def compile_plan(questionnaire: Questionnaire) -> ScoringPlan:
    """Compile a questionnaire's scoring tree into a plan (use `scoring_plan`, which keeps it)."""
    scored = [question for question in questionnaire.questions.values() if question.scored]
    tables = {question.id: table for question in scored if (table := answer_table(questionnaire, question))}
    ordered = [*tables, *(question.id for question in scored if question.id not in tables)]
    slots = {question_id: slot for slot, question_id in enumerate(ordered)}
    for offset, node_id in enumerate(questionnaire.node_order):
        slots[node_id] = len(ordered) + offset
    profiles = questionnaire.definition.scoring.profiles
    steps = {profile: tuple(_compile_step(questionnaire, questionnaire.nodes[node_id], profile, slots)
                            for node_id in questionnaire.node_order)
             for profile in (list(profiles.values) if profiles else [None])}
    return ScoringPlan(
        questionnaire=questionnaire,
        question_ids=tuple(ordered),
        tables=tuple(tables.values()),
        converters=tuple(value_function(questionnaire, questionnaire.questions[question_id])
                         for question_id in ordered[len(tables):]),
        question_slots={question_id: slots[question_id] for question_id in ordered},
        node_ids=tuple(questionnaire.node_order),
        banded=tuple((node_id, slots[node_id], band_table(bands)) for node_id in questionnaire.node_order
                     if (bands := questionnaire.bands(questionnaire.nodes[node_id]))),
        steps=steps,
    )


def answer_table(questionnaire: Questionnaire, question) -> dict | None:
    """Every answer a question can take -> the number it stands for, as `value_function` gives it; None when the
    answers are not a short list (numbers, checklists) or an option is named like not-applicable."""
    scale = questionnaire.definition.scales.get(question.scale) if question.scale else None
    if isinstance(question, LadderQuestion) and scale is None:
        return {level: float(level) for level in LADDER_LEVELS}
    if not isinstance(scale, MapScale) or NOT_APPLICABLE in scale.values:
        return None
    if isinstance(question, LadderQuestion):
        return {level: scale.values[str(level)] for level in LADDER_LEVELS if str(level) in scale.values}
    if isinstance(question, YesNoQuestion):
        return {True: scale.values["yes"], False: scale.values["no"]}
    return dict(scale.values) if isinstance(question, SingleQuestion) else None


def _compile_step(questionnaire: Questionnaire, node: Node, profile: str | None, slots: dict[str, int]) -> Step:
    """A node as a step. Inputs: (slot, weight) pairs; gating: per level in ascending order, its (slot, weight)
    pairs of positive weight; levels: see `_levels_inputs`."""
    rule = RULE_CODES[node.rule]
    slot = slots[node.id]
    if rule == LEVELS:
        return Step(rule, slot, _levels_inputs(questionnaire, node, profile, slots), (node.threshold - TOLERANCE,))
    pairs = tuple((slots[source.ref], weight_of(source, profile)) for source in node.inputs)
    if rule == GATING:
        by_level: dict[int, list[tuple[int, float]]] = {}
        for source, pair in zip(node.inputs, pairs, strict=True):
            if pair[1] > 0:
                by_level.setdefault(source.level, []).append(pair)
        inputs = tuple((level, tuple(by_level[level])) for level in sorted(by_level))
        return Step(rule, slot, inputs, (node.threshold - TOLERANCE,))
    if rule == PROGRESS:
        low, high = node.range
        return Step(rule, slot, pairs, (low, high, 100.0 / (high - low)))
    if rule == SUM:
        return Step(rule, slot, pairs, (sum(weight for _, weight in pairs), node.cap))
    return Step(rule, slot, pairs)


def _levels_inputs(questionnaire: Questionnaire, node: Node, profile: str | None, slots: dict[str, int]) -> tuple:
    """Per level in ascending order, per domain in input order: (domain weight, its requirements' (slot, weight)),
    positive weights only (scoring.level_scores ignores the others)."""
    sources, domains = requirements(questionnaire, node, profile)
    by_level: dict[int, dict[str, tuple[float, list]]] = {}
    for (ref, weight, level), (domain, domain_weight) in zip(sources, domains, strict=True):
        if weight > 0 and domain_weight > 0:
            by_level.setdefault(level, {}).setdefault(domain, (domain_weight, []))[1].append((slots[ref], weight))
    return tuple((level, tuple((domain_weight, tuple(pairs)) for domain_weight, pairs in by_level[level].values()))
                 for level in sorted(by_level))


def _weighted_mean(values: list, step: Step) -> float | None:
    return _mean([(weight, value) for slot, weight in step.inputs if (value := values[slot]) is not None])


def _mean(present: list[tuple[float, float]]) -> float | None:
    """The weighted mean of (weight, value) pairs; None when their weights add up to nothing."""
    available = sum([weight for weight, _ in present])
    if available <= 0:
        return None
    return sum([weight / available * value for weight, value in present])


def _sum(values: list, step: Step) -> float | None:
    declared, cap = step.extra
    present = [(weight, value) for slot, weight in step.inputs if (value := values[slot]) is not None]
    available = sum([weight for weight, _ in present])
    if available <= 0:
        return None
    factor = declared / available  # not-applicable inputs drop out; the rest stand for the whole
    total = sum([weight * factor * value for weight, value in present])
    return cap if cap is not None and total > cap else total


def _minimum(values: list, step: Step) -> float | None:
    present = [value for slot, _ in step.inputs if (value := values[slot]) is not None]
    return min(present) if present else None


def _gating(values: list, step: Step) -> float | None:
    (threshold,) = step.extra
    achieved, next_mean, any_present = 0, 0.0, False
    for level, pairs in step.inputs:
        present = [(weight, value) for slot, weight in pairs if (value := values[slot]) is not None]
        if not present:
            continue
        any_present = True
        mean = sum([weight * value for weight, value in present]) / sum([weight for weight, _ in present])
        if mean >= threshold:
            achieved = level
        else:
            next_mean = mean
            break
    return min(5.0, achieved + next_mean) if any_present else None


def _levels(values: list, step: Step) -> float | None:
    """GB/T 39117 as scoring.level_scores and scoring._levels compute it: per level, the domains' requirement means
    weighted by domain; the highest level reached with every level below it, plus the next level's score."""
    (threshold,) = step.extra
    achieved, next_score, any_present = 0, 0.0, False
    for level, domains in step.inputs:
        means = []  # (the domain's requirement mean, its domain weight), domains with an applicable requirement
        for domain_weight, pairs in domains:
            present = [(weight, value) for slot, weight in pairs if (value := values[slot]) is not None]
            if present:
                means.append((sum([weight * value for weight, value in present])
                              / sum([weight for weight, _ in present]), domain_weight))
        if not means:
            continue
        any_present = True
        total = sum([domain_weight for _, domain_weight in means])
        level_score = sum([mean * (domain_weight / total) for mean, domain_weight in means])
        if level_score >= threshold:
            achieved = level
        else:
            next_score = level_score
            break
    return min(5.0, achieved + next_score) if any_present else None


def _progress(values: list, step: Step) -> float | None:
    low, high, scale = step.extra
    present = [(weight, 0.0 if value <= low else 100.0 if value >= high else (value - low) * scale)
               for slot, weight in step.inputs if (value := values[slot]) is not None]
    return _mean(present)


_RULES = (_weighted_mean, _sum, _minimum, _gating, _progress, _levels)
