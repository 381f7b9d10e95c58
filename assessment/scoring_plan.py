"""A questionnaire's scoring tree compiled once into a flat plan: scoring an answer set is then one straight pass.

The plan is a Python function written for the questionnaire and weight profile (see `scoring_source`): every
question and node is a local variable, every weight a constant, every rule spelled out input by input, so scoring
calls no function per node and loops over nothing. It gives every node's score, the same numbers as the rules in
`scoring_trace` (same operations in the same order; tests/assessment/test_scoring_identical.py checks them against
the tree walk the product used before). `scoring.score` uses it and adds the trace that explains each score.

Slots: the scored questions first (those whose answers a table lists, then the rest, each in file order), then the
nodes in post-order (every node after its inputs). The function returns every slot's value.

`scores` (bulk work: every node's score and level, no trace) runs a second function per profile, the node function:
it gives no question a value it does not need, looks each level's requirements up together in one table of their
answer combinations, and works out the hidden questions itself; an answer no table lists sends the answer set to the
slot function, which reads every answer as it comes. Both give the same numbers (tests/assessment/
test_scoring_nodes.py and test_scoring_plan.py compare them).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import partial
from itertools import combinations
from typing import NamedTuple

from assessment.answers import Answer, hidden_questions, value_function
from assessment.scoring_source import (
    NodeFunction,
    SlotFunction,
    compile_source,
    condition_tests,
    scores_source,
    scoring_source,
)
from assessment.scoring_tree import profile_names, profile_of, requirements, weight_of
from questionnaires.loader import Questionnaire
from questionnaires.schema import (
    NOT_APPLICABLE,
    LadderQuestion,
    MapScale,
    MultipleQuestion,
    SingleQuestion,
    YesNoQuestion,
)

LADDER_LEVELS = range(6)  # a ladder's answers, 0 to 5 (answers.parse_answer)

# A checklist of at most this many options gets a table of every answer it can take (2 ** 10 = 1,024 entries at
# most): a lookup instead of adding up the ticked options at every scoring.
CHECKLIST_TABLE_OPTIONS = 10


class ScoreSheet(NamedTuple):
    """Every node's score (None: nothing applicable) and level (None: the node has no bands, or no score), in the
    plan's node order; `score(id)` and `level(id)` look one up, `scores` and `levels` give them all by id."""

    node_index: dict[str, int]  # node id -> its position in the lists below
    node_scores: tuple[float | None, ...]
    node_levels: tuple[int | None, ...]

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


# Built by the thousand in bulk work: the tuple made directly, without the Python-level __new__ of a NamedTuple.
_score_sheet = partial(tuple.__new__, ScoreSheet)

# One input of a node as the trace reads it: (ref, weight for the profile, gating level, the slot of its value)
Source = tuple[str, float, int | None, int]


@dataclass(frozen=True)
class ScoringPlan:
    """A questionnaire's scoring tree compiled, one slot function per weight profile."""

    questionnaire: Questionnaire
    question_ids: tuple[str, ...]  # slot i holds the value of question_ids[i]
    question_slots: dict[str, int]  # question id -> its slot
    node_index: dict[str, int]  # node id -> j: slot len(question_ids) + j holds its score
    # profile -> its slot function, compiled when first used: (answers, hidden question ids) -> (every slot's
    # value, every node's level)
    functions: dict[str | None, SlotFunction]
    compile_function: Callable[[str | None], SlotFunction]
    # profile -> its node function (every node's score and level alone, for `scores`), compiled when first used
    node_functions: dict[str | None, NodeFunction]
    compile_node_function: Callable[[str | None], NodeFunction]
    # profile -> per node in post-order: its inputs, and for a levels node its requirements' domains (else ())
    sources: dict[str | None, tuple[tuple[tuple[Source, ...], tuple], ...]]

    def slot_values(self, answers: Mapping[str, Answer], profile: str | None,
                    hidden: Collection[str]) -> tuple[tuple, tuple]:
        """Every slot's value (the scored questions' numbers, then the nodes' scores, None when nothing applies),
        and every node's level (None without bands or score)."""
        function = self.functions.get(profile)
        if function is None:
            profile = profile_of(self.questionnaire, profile)
            function = self.functions.get(profile) or self.functions.setdefault(profile,
                                                                                self.compile_function(profile))
        try:
            return function(answers, hidden)
        except TypeError:  # a checklist as a list (answers read back from JSON): the tables are keyed by tuples
            return function(_with_tuples(answers), hidden)

    def scores(self, answers: Mapping[str, Answer], profile: str | None = None) -> ScoreSheet:
        """Score parsed answers in one pass; unanswered, hidden and not-applicable questions drop out."""
        function = self.node_functions.get(profile)
        if function is None:
            profile = profile_of(self.questionnaire, profile)
            function = self.node_functions.get(profile) or self.node_functions.setdefault(
                profile, self.compile_node_function(profile))
        try:
            scores, levels = function(answers)
        except TypeError:  # a checklist as a list (answers read back from JSON): the tables are keyed by tuples
            scores, levels = function(_with_tuples(answers))
        return _score_sheet((self.node_index, scores, levels))


def _with_tuples(answers: Mapping[str, Answer]) -> dict[str, Answer]:
    """The answers with every list turned into the tuple a parsed answer is."""
    return {key: tuple(value) if isinstance(value, list) else value for key, value in answers.items()}


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
    converters = {question.id: value_function(questionnaire, question) for question in scored}
    converted = [question.id for question in scored if question.id not in tables]
    ordered = (*tables, *converted)
    slots = {question_id: slot for slot, question_id in enumerate(ordered)}
    for offset, node_id in enumerate(questionnaire.node_order):
        slots[node_id] = len(ordered) + offset

    conditional = frozenset(question_id for question_id, _ in questionnaire.conditional)

    def compile_function(profile: str | None) -> SlotFunction:
        return compile_source(scoring_source(questionnaire, profile, slots, tables, converted), tables, converters,
                              conditional)

    def compile_node_function(profile: str | None) -> NodeFunction:
        source, own_tables, extra = scores_source(questionnaire, profile, slots, tables, converted)
        careful = plan.functions.get(profile) or plan.functions.setdefault(profile, compile_function(profile))
        return compile_source(source, own_tables, converters, conditional,
                              {**extra, "CAREFUL": careful, "QUESTIONS": len(ordered),
                               "HIDDEN": partial(hidden_questions, questionnaire),
                               "TESTS": condition_tests(questionnaire)})

    plan = ScoringPlan(
        questionnaire=questionnaire,
        question_ids=ordered,
        question_slots={question_id: slots[question_id] for question_id in ordered},
        node_index={node_id: index for index, node_id in enumerate(questionnaire.node_order)},
        functions={},
        compile_function=compile_function,
        node_functions={},
        compile_node_function=compile_node_function,
        sources={profile: tuple(_sources(questionnaire, questionnaire.nodes[node_id], profile, slots)
                                for node_id in questionnaire.node_order)
                 for profile in profile_names(questionnaire)},
    )
    return plan


def _sources(questionnaire: Questionnaire, node, profile: str | None, slots: dict[str, int]) -> tuple:
    """A node's inputs with their slots; a levels node's are its gating nodes' requirements, with their domains."""
    if node.rule == "levels":
        inputs, domains = requirements(questionnaire, node, profile)
        return tuple((ref, weight, level, slots[ref]) for ref, weight, level in inputs), domains
    return tuple((source.ref, weight_of(source, profile), source.level, slots[source.ref])
                 for source in node.inputs), ()


def answer_table(questionnaire: Questionnaire, question) -> dict | None:
    """Every answer a question can take -> the number it stands for, as `value_function` gives it; None when the
    answers are not a short list (numbers, long checklists) or an option is named like not-applicable."""
    scale = questionnaire.definition.scales.get(question.scale) if question.scale else None
    if isinstance(question, LadderQuestion) and scale is None:
        return {level: float(level) for level in LADDER_LEVELS}
    if not isinstance(scale, MapScale) or NOT_APPLICABLE in scale.values:
        return None
    if isinstance(question, LadderQuestion):
        return {level: scale.values[str(level)] for level in LADDER_LEVELS if str(level) in scale.values}
    if isinstance(question, YesNoQuestion):
        return {True: scale.values["yes"], False: scale.values["no"]}
    if isinstance(question, MultipleQuestion) and len(question.options) <= CHECKLIST_TABLE_OPTIONS:
        convert = value_function(questionnaire, question)
        options = [option.id for option in question.options]
        # every set of ticked options, in the options' order as answers.parse_answer gives it
        return {ticked: convert(ticked) for count in range(len(options) + 1)
                for ticked in combinations(options, count)}
    if not isinstance(question, SingleQuestion):
        return None
    # keyed by the question's own option ids: an answer that is one of them (as the questionnaire gives it) is found
    # by identity, without comparing the strings
    own = {option.id: option.id for option in question.options}
    return {own.get(key, key): value for key, value in scale.values.items()}

