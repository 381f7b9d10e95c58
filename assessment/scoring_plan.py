"""A questionnaire's scoring tree compiled once into a flat plan: scoring an answer set is then one pass over arrays.

The plan gives every node's score and level, the same numbers as `scoring.score` (same operations in the same
order), without the trace of contributions that explains them: for bulk scoring (benchmarks, rebuilds, simulations).
The result page and the stored result keep `scoring.score`, which explains each score.

Slots: the scored questions first (in file order), then the nodes in post-order (every node after its inputs); a
node's inputs are the slots they fill, so a pass fills the slots left to right.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from assessment.answers import Answer, hidden_questions, value_function
from assessment.scoring import band_table, profile_of, requirements, weight_of
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
    """Every node's score (None: nothing applicable) and level (None: the node has no bands, or no score), in the
    plan's node order; `score(id)` and `level(id)` look one up, `scores` and `levels` give them all by id."""

    node_index: dict[str, int]  # node id -> its position in the lists below
    node_scores: list[float | None]
    node_levels: list[int | None]

    def score(self, node_id: str) -> float | None:
        """The score of one node."""
        return self.node_scores[self.node_index[node_id]]

    def level(self, node_id: str) -> int | None:
        """The level of one node."""
        return self.node_levels[self.node_index[node_id]]

    @property
    def scores(self) -> dict[str, float | None]:
        """Node id -> score."""
        return dict(zip(self.node_index, self.node_scores, strict=True))

    @property
    def levels(self) -> dict[str, int | None]:
        """Node id -> level."""
        return dict(zip(self.node_index, self.node_levels, strict=True))


class Step(NamedTuple):
    """One node of the plan: its rule code, its inputs' slots and weights, and what else its rule needs (see
    `_compile_step`). The node's own slot is the next one after the steps before it."""

    rule: int
    inputs: tuple
    extra: tuple = ()


@dataclass(frozen=True)
class ScoringPlan:
    """A questionnaire's scoring tree as flat arrays, one list of steps per weight profile."""

    questionnaire: Questionnaire
    question_ids: tuple[str, ...]  # slot i holds the value of question_ids[i]
    tables: tuple[dict, ...]  # answer -> number, for the first len(tables) questions, whose answers a table lists
    converted: tuple[tuple[str, Callable[[Answer], float]], ...]  # (question id, answer -> number) of the rest
    question_slots: dict[str, int]  # question id -> its slot
    node_index: dict[str, int]  # node id -> j: slot len(question_ids) + j holds its score
    banded: tuple[tuple[int, tuple, tuple], ...]  # (j, band minimums, their levels) of the nodes with bands
    steps: dict[str | None, tuple[Step, ...]]  # profile -> the nodes in post-order
    default_steps: tuple[Step, ...]  # for any other profile (scoring.profile_of)

    def scores(self, answers: Mapping[str, Answer], profile: str | None = None) -> ScoreSheet:
        """Score parsed answers in one pass; unanswered, hidden and not-applicable questions drop out."""
        get = answers.get
        # a table has no entry for None (unanswered) or "na" (not applicable): both give None
        values = list(map(dict.get, self.tables, map(get, self.question_ids)))
        for question_id, convert in self.converted:
            answer = get(question_id)
            values.append(None if answer is None or answer == NOT_APPLICABLE else convert(answer))
        if self.questionnaire.conditional:
            slots = self.question_slots
            for question_id in hidden_questions(self.questionnaire, answers):
                if question_id in slots:
                    values[slots[question_id]] = None
        append, rules = values.append, _RULES
        for rule, inputs, extra in self.steps.get(profile, self.default_steps):
            append(rules[rule](values, inputs, extra))
        node_scores = values[len(self.question_ids):]
        levels: list[int | None] = [None] * len(node_scores)
        for index, minimums, band_levels in self.banded:  # as scoring.level_in
            if (value := node_scores[index]) is not None:
                levels[index] = band_levels[max(0, bisect_right(minimums, value) - 1)]
        return ScoreSheet(self.node_index, node_scores, levels)


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
        converted=tuple((question_id, value_function(questionnaire, questionnaire.questions[question_id]))
                        for question_id in ordered[len(tables):]),
        question_slots={question_id: slots[question_id] for question_id in ordered},
        node_index={node_id: index for index, node_id in enumerate(questionnaire.node_order)},
        banded=tuple((index, *band_table(bands)) for index, node_id in enumerate(questionnaire.node_order)
                     if (bands := questionnaire.bands(questionnaire.nodes[node_id]))),
        steps=steps,
        default_steps=steps[profile_of(questionnaire, None)],
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
    if rule == LEVELS:
        return Step(rule, _levels_inputs(questionnaire, node, profile, slots), (node.threshold - TOLERANCE,))
    pairs = tuple((slots[source.ref], weight_of(source, profile)) for source in node.inputs)
    if rule == GATING:
        by_level: dict[int, list[tuple[int, float]]] = {}
        for source, pair in zip(node.inputs, pairs, strict=True):
            if pair[1] > 0:
                by_level.setdefault(source.level, []).append(pair)
        inputs = tuple((level, tuple(by_level[level])) for level in sorted(by_level))
        return Step(rule, inputs, (node.threshold - TOLERANCE,))
    if rule == PROGRESS:
        low, high = node.range
        return Step(rule, pairs, (low, high, 100.0 / (high - low)))
    if rule == SUM:
        return Step(rule, pairs, (sum(weight for _, weight in pairs), node.cap))
    return Step(rule, pairs)


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


def _present(values: list, inputs: tuple) -> list[tuple[float, float]]:
    """(weight, value) of the inputs that have a value (a loop: cheaper than a comprehension for a few inputs)."""
    present = []
    for slot, weight in inputs:
        value = values[slot]
        if value is not None:
            present.append((weight, value))
    return present


def _mean(present: list[tuple[float, float]]) -> float | None:
    """The weighted mean as scoring._weighted_mean adds it up; None when the weights add up to nothing."""
    available = sum([weight for weight, _ in present])
    if available <= 0:
        return None
    total = 0.0
    for weight, value in present:
        total += weight / available * value
    return total


def _weighted_mean(values: list, inputs: tuple, extra: tuple) -> float | None:
    present = []  # as _present, inlined: the commonest rule
    for slot, weight in inputs:
        value = values[slot]
        if value is not None:
            present.append((weight, value))
    return _mean(present)


def _sum(values: list, inputs: tuple, extra: tuple) -> float | None:
    declared, cap = extra
    present = _present(values, inputs)
    available = sum([weight for weight, _ in present])
    if available <= 0:
        return None
    factor = declared / available  # not-applicable inputs drop out; the rest stand for the whole
    total = 0.0
    for weight, value in present:
        total += weight * factor * value
    return cap if cap is not None and total > cap else total


def _minimum(values: list, inputs: tuple, extra: tuple) -> float | None:
    lowest = None
    for slot, _ in inputs:
        value = values[slot]
        if value is not None and (lowest is None or value < lowest):
            lowest = value
    return lowest


def _gating(values: list, inputs: tuple, extra: tuple) -> float | None:
    (threshold,) = extra
    achieved, next_mean, any_present = 0, 0.0, False
    for level, pairs in inputs:
        present = _present(values, pairs)
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


def _levels(values: list, inputs: tuple, extra: tuple) -> float | None:
    """GB/T 39117 as scoring.level_scores and scoring._levels compute it: per level, the domains' requirement means
    weighted by domain; the highest level reached with every level below it, plus the next level's score."""
    (threshold,) = extra
    achieved, next_score, any_present = 0, 0.0, False
    for level, domains in inputs:
        means = []  # (the domain's requirement mean, its domain weight), domains with an applicable requirement
        for domain_weight, pairs in domains:
            rated, weight_sum, found = 0.0, 0.0, False
            for slot, weight in pairs:
                value = values[slot]
                if value is not None:
                    rated += weight * value
                    weight_sum += weight
                    found = True
            if found:
                means.append((rated / weight_sum, domain_weight))
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


def _progress(values: list, inputs: tuple, extra: tuple) -> float | None:
    """The inputs mapped from their range onto 0..100, then their weighted mean."""
    low, high, scale = extra
    present = []
    for slot, weight in inputs:
        value = values[slot]
        if value is not None:
            present.append((weight, 0.0 if value <= low else 100.0 if value >= high else (value - low) * scale))
    return _mean(present)


_RULES = (_weighted_mean, _sum, _minimum, _gating, _progress, _levels)
