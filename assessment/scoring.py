"""Scoring: answers to item, dimension, paradigm and overall scores by the rules a questionnaire declares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from assessment.answers import Answer, answer_to_json, answer_value, visible_questions
from questionnaires.loader import Questionnaire
from questionnaires.schema import NOT_APPLICABLE, Band, Node, NodeInput


@dataclass(frozen=True, slots=True)
class Contribution:
    """How one input moved a node: its value, its effective weight after renormalising, and its share of the score."""

    ref: str
    value: float | None  # None: not applicable or hidden
    weight: float  # effective weight (renormalised); 0 when dropped
    contribution: float  # the part of the node's score this input accounts for
    note: str = ""  # e.g. "not applicable", "hidden", "level 3", "lowest"


@dataclass(frozen=True, slots=True)
class NodeResult:
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

    def paradigms(self, questionnaire: Questionnaire) -> dict[str, NodeResult]:
        """Paradigm name -> its result."""
        return {name: self.nodes[node.id] for name, node in questionnaire.paradigm_nodes.items()}

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
            "answers": {
                question_id: {"answer": answer_to_json(answer), "value": _round(self.question_values.get(question_id))}
                for question_id, answer in self.answers.items()
            },
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def level_for(bands: list[Band], score: float | None) -> int | None:
    """The level of the band with the highest `min` not above the score."""
    if score is None or not bands:
        return None
    level = bands[0].level
    for band in bands:
        if score >= band.min - 1e-9:
            level = band.level
    return level


def score(questionnaire: Questionnaire, answers: Mapping[str, Answer], profile: str | None = None) -> Result:
    """Score parsed answers; unanswered, hidden and not-applicable questions drop out."""
    profiles = questionnaire.definition.scoring.profiles
    if profiles is not None:
        profile = profile if profile in profiles.values else profiles.default
    else:
        profile = None
    visible = visible_questions(questionnaire, answers)
    values: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for question_id, question in questionnaire.questions.items():
        if question_id not in visible:
            values[question_id], notes[question_id] = None, "hidden"
        elif question_id not in answers:
            values[question_id], notes[question_id] = None, "unanswered"
        elif answers[question_id] == NOT_APPLICABLE:
            values[question_id], notes[question_id] = None, "not applicable"
        elif question.type != "text" and (question.type == "ladder" or question.scale):
            values[question_id] = answer_value(questionnaire, question, answers[question_id])
    question_values = {question_id: values[question_id] for question_id in answers if question_id in values}
    results: dict[str, NodeResult] = {}
    for node_id in questionnaire.node_order:
        node = questionnaire.nodes[node_id]
        inputs = []
        for source in node.inputs:
            if source.ref in results:
                child = results[source.ref]
                inputs.append((source, child.score, "" if child.score is not None else "not applicable"))
            else:
                inputs.append((source, values.get(source.ref), notes.get(source.ref, "")))
        node_score, trace = RULES[node.rule](node, inputs, profile)
        results[node_id] = NodeResult(
            node_id, node.kind, node.rule, node_score, level_for(questionnaire.bands(node), node_score), trace
        )
    return Result(questionnaire.id, questionnaire.version, profile, results, dict(answers), question_values)


Inputs = list[tuple[NodeInput, float | None, str]]


def _weight(source: NodeInput, profile: str | None) -> float:
    return source.weight[profile] if isinstance(source.weight, dict) else source.weight


def _weighted_mean(node: Node, inputs: Inputs, profile: str | None) -> tuple[float | None, tuple]:
    available = sum(_weight(s, profile) for s, value, _ in inputs if value is not None)
    if available <= 0:
        return None, tuple(Contribution(s.ref, v, 0.0, 0.0, note) for s, v, note in inputs)
    trace = []
    total = 0.0
    for source, value, note in inputs:
        if value is None:
            trace.append(Contribution(source.ref, None, 0.0, 0.0, note))
            continue
        weight = _weight(source, profile) / available
        total += weight * value
        trace.append(Contribution(source.ref, value, weight, weight * value, note))
    return total, tuple(trace)


def _sum(node: Node, inputs: Inputs, profile: str | None) -> tuple[float | None, tuple]:
    declared = sum(_weight(s, profile) for s, _, _ in inputs)
    available = sum(_weight(s, profile) for s, value, _ in inputs if value is not None)
    if available <= 0:
        return None, tuple(Contribution(s.ref, v, 0.0, 0.0, note) for s, v, note in inputs)
    factor = declared / available  # not-applicable inputs drop out; the rest stand for the whole
    trace = []
    total = 0.0
    for source, value, note in inputs:
        if value is None:
            trace.append(Contribution(source.ref, None, 0.0, 0.0, note))
            continue
        weight = _weight(source, profile) * factor
        total += weight * value
        trace.append(Contribution(source.ref, value, weight, weight * value, note))
    if node.cap is not None and total > node.cap:
        trace = [
            Contribution(c.ref, c.value, c.weight, c.contribution * node.cap / total, c.note or "capped")
            for c in trace
        ]
        total = node.cap
    return total, tuple(trace)


def _minimum(node: Node, inputs: Inputs, profile: str | None) -> tuple[float | None, tuple]:
    present = [(source, value) for source, value, _ in inputs if value is not None]
    if not present:
        return None, tuple(Contribution(s.ref, v, 0.0, 0.0, note) for s, v, note in inputs)
    lowest_ref = min(present, key=lambda pair: pair[1])[0].ref
    lowest = min(value for _, value in present)
    trace = tuple(
        Contribution(s.ref, v, 1.0, v, "lowest") if s.ref == lowest_ref else Contribution(s.ref, v, 0.0, 0.0, note)
        for s, v, note in inputs
    )
    return lowest, trace


def _gating(node: Node, inputs: Inputs, profile: str | None) -> tuple[float | None, tuple]:
    by_level: dict[int, list[tuple[float, float]]] = {}
    for source, value, _ in inputs:
        if value is not None and _weight(source, profile) > 0:
            by_level.setdefault(source.level, []).append((_weight(source, profile), value))
    trace_notes = {}
    if not by_level:
        return None, tuple(Contribution(s.ref, v, 0.0, 0.0, note) for s, v, note in inputs)
    achieved, next_mean, failed_level = 0, 0.0, None
    for level in sorted(by_level):
        requirements = by_level[level]
        mean = sum(w * v for w, v in requirements) / sum(w for w, _ in requirements)
        if mean >= node.threshold - 1e-9:
            achieved = level
            trace_notes[level] = f"level {level} met ({mean:.2f})"
        else:
            next_mean, failed_level = mean, level
            trace_notes[level] = f"level {level} not met ({mean:.2f} < {node.threshold:g})"
            break
    result = min(5.0, achieved + next_mean)
    trace = []
    for source, value, note in inputs:
        if value is None:
            trace.append(Contribution(source.ref, None, 0.0, 0.0, note))
        else:
            counted = failed_level is None or source.level <= failed_level
            trace.append(
                Contribution(source.ref, value, _weight(source, profile) if counted else 0.0, 0.0,
                             trace_notes.get(source.level, f"level {source.level} not reached"))
            )
    return result, tuple(trace)


def _progress(node: Node, inputs: Inputs, profile: str | None) -> tuple[float | None, tuple]:
    low, high = node.range
    mapped = [
        (source, None if value is None else 100.0 * min(1.0, max(0.0, (value - low) / (high - low))), note)
        for source, value, note in inputs
    ]
    return _weighted_mean(node, mapped, profile)


RULES = {
    "weighted_mean": _weighted_mean,
    "sum": _sum,
    "min": _minimum,
    "gating": _gating,
    "progress": _progress,
}
