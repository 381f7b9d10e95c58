"""Scoring: answers to item, dimension, paradigm and overall scores by the rules a questionnaire declares.

The scores come from the questionnaire's compiled plan (scoring_plan.py), the trace that explains them from the
rules in scoring_trace.py, fed with the plan's values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

from assessment.answers import Answer, answer_to_json, hidden_questions, parse_answer
from assessment.scoring_plan import scoring_plan
from assessment.scoring_trace import TRACES, Contribution, levels_trace
from assessment.scoring_trace import level_scores as level_scores
from assessment.scoring_tree import TOLERANCE, profile_of, requirements
from assessment.scoring_tree import BandTable as BandTable
from assessment.scoring_tree import band_table as band_table
from assessment.scoring_tree import level_for as level_for
from assessment.scoring_tree import level_in as level_in
from assessment.scoring_tree import weight_of as weight_of
from questionnaires.loader import Questionnaire


class NodeResult(NamedTuple):
    """The score of one node, its level when the node has bands, and the trace of its inputs."""

    id: str
    kind: str
    rule: str
    score: float | None
    level: int | None
    trace: tuple[Contribution, ...]


@dataclass(frozen=True)
class Result:
    """A whole scored assessment."""

    questionnaire_id: str
    version: str
    profile: str | None
    nodes: dict[str, NodeResult]
    answers: dict[str, Answer] = field(default_factory=dict)
    question_values: dict[str, float | None] = field(default_factory=dict)

    def overall(self, questionnaire: Questionnaire) -> NodeResult:
        """The overall node's result."""
        return self.nodes[questionnaire.overall_node.id]

    def dimensions(self, questionnaire: Questionnaire) -> list[NodeResult]:
        """The dimension results in page order."""
        return [self.nodes[dimension.id] for dimension in questionnaire.dimensions]

    def standard(self, questionnaire: Questionnaire) -> NodeResult | None:
        """The standard node's result (e.g. the CMMM level), or None when the questionnaire has none."""
        node = questionnaire.standard_node
        return None if node is None else self.nodes[node.id]

    def paradigms(self, questionnaire: Questionnaire) -> dict[str, NodeResult]:
        """Paradigm name -> its result."""
        return {name: self.nodes[node.id] for name, node in questionnaire.paradigm_nodes.items()}

    @classmethod
    def from_dict(cls, questionnaire: Questionnaire, data: dict) -> Result:
        """The inverse of `to_dict`: a stored result rebuilt as domain objects."""
        stored = {**data["items"], **data["dimensions"], **data.get("standard", {}),
                  questionnaire.overall_node.id: data["overall"],
                  **{questionnaire.paradigm_nodes[p].id: v for p, v in data["paradigms"].items()}}
        nodes = {}
        for node_id, node in questionnaire.nodes.items():
            entry = stored[node_id]
            trace = tuple(Contribution(c["ref"], c["value"], c["weight"], c["contribution"], c.get("note", ""))
                          for c in entry["trace"])
            nodes[node_id] = NodeResult(node_id, node.kind, node.rule, entry["score"], entry["level"], trace)
        answers = {question_id: parse_answer(questionnaire.questions[question_id], entry["answer"])
                   for question_id, entry in data["answers"].items()}
        values = {question_id: entry["value"] for question_id, entry in data["answers"].items()}
        return cls(data["questionnaire"]["id"], data["questionnaire"]["version"], data["profile"], nodes, answers,
                   values)

    def to_dict(self, questionnaire: Questionnaire) -> dict:
        """The documented JSON form of the result."""

        def node(result: NodeResult) -> dict:
            return {
                "score": _round(result.score),
                "level": result.level,
                "rule": result.rule,
                "trace": [
                    {
                        "ref": item.ref,
                        "value": _round(item.value),
                        "weight": _round(item.weight),
                        "contribution": _round(item.contribution),
                        **({"note": item.note} if item.note else {}),
                    }
                    for item in result.trace
                ],
            }

        return {
            "questionnaire": {"id": self.questionnaire_id, "version": self.version},
            "profile": self.profile,
            "overall": node(self.overall(questionnaire)),
            "paradigms": {name: node(result) for name, result in self.paradigms(questionnaire).items()},
            "dimensions": {result.id: node(result) for result in self.dimensions(questionnaire)},
            "items": {r.id: node(r) for r in self.nodes.values() if r.kind == "item"},
            **({"standard": {r.id: node(r) for r in self.nodes.values() if r.kind == "standard"}}
               if questionnaire.standard_node else {}),
            "answers": {
                question_id: {"answer": answer_to_json(answer), "value": _round(self.question_values.get(question_id))}
                for question_id, answer in self.answers.items()
            },
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


_node_result = partial(tuple.__new__, NodeResult)


def score(questionnaire: Questionnaire, answers: Mapping[str, Answer], profile: str | None = None) -> Result:
    """Score parsed answers; unanswered, hidden and not-applicable questions drop out."""
    profile = profile_of(questionnaire, profile)
    plan = scoring_plan(questionnaire)
    hidden = hidden_questions(questionnaire, answers) if questionnaire.conditional else set()
    values, levels = plan.slot_values(answers, profile, hidden)
    notes = _notes(plan.question_ids, values, answers, hidden)
    question_values = {question_id: values[slot] if (slot := plan.question_slots.get(question_id)) is not None
                       else None for question_id in answers if question_id not in hidden}
    node_scores = values[len(plan.question_ids):]
    results: dict[str, NodeResult] = {}
    for index, (node_id, (sources, domains)) in enumerate(zip(plan.node_index, plan.sources[profile], strict=True)):
        node = questionnaire.nodes[node_id]
        inputs = [(ref, weight, level, value, "" if value is not None else notes.get(ref, "not applicable"))
                  for ref, weight, level, slot in sources for value in (values[slot],)]
        trace = levels_trace(node, inputs, domains) if domains else TRACES[node.rule](node, inputs, node_scores[index])
        results[node_id] = _node_result((node_id, node.kind, node.rule, node_scores[index], levels[index], trace))
    return Result(questionnaire.id, questionnaire.version, profile, results, dict(answers), question_values)


def _notes(question_ids: tuple[str, ...], values: tuple, answers: Mapping[str, Answer],
           hidden: set[str]) -> dict[str, str]:
    """Why a scored question has no value: hidden, unanswered or not applicable (a node without one is not
    applicable)."""
    notes = {}
    for question_id, value in zip(question_ids, values, strict=False):
        if value is None:
            notes[question_id] = ("hidden" if question_id in hidden else "unanswered"
                                  if answers.get(question_id) is None else "not applicable")
    return notes


class LevelScore(NamedTuple):
    """One level of a standard's rule: its score and whether it is reached (it and every level below it)."""

    level: int
    score: float
    reached: bool


def standard_levels(questionnaire: Questionnaire, result: Result) -> list[LevelScore]:
    """The level scores behind a result's standard node (empty without one), as the standard's rule computed them."""
    node = questionnaire.standard_node
    if node is None:
        return []
    sources, domains = requirements(questionnaire, node, result.profile)
    values = {**{ref: found.score for ref, found in result.nodes.items()}, **result.question_values}
    inputs = [(ref, weight, level, values.get(ref), "") for ref, weight, level in sources]
    rows, reached = [], True
    for level, (score, _) in level_scores(inputs, domains).items():
        reached = reached and score >= node.threshold - TOLERANCE
        rows.append(LevelScore(level, score, reached))
    return rows
