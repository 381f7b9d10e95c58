"""The reference for the speed work on scoring: `score` exactly as it was before it used the compiled scoring plan (a
verbatim copy, kept here so tests can check that scored results stay identical, trace and all). Not used by the
product.

The original docstring follows.

Scoring: answers to item, dimension, paradigm and overall scores by the rules a questionnaire declares."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

from assessment.answers import Answer, answer_to_json, hidden_questions, parse_answer, value_function
from questionnaires.loader import Questionnaire
from questionnaires.schema import NOT_APPLICABLE, Band, Node, NodeInput


class Contribution(NamedTuple):
    """How one input moved a node: its value, its effective weight after renormalising, and its share of the score."""

    ref: str
    value: float | None  # None: not applicable or hidden
    weight: float  # effective weight (renormalised); 0 when dropped
    contribution: float  # the part of the node's score this input accounts for
    note: str = ""  # e.g. "not applicable", "hidden", "level 3", "lowest"


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


BandTable = tuple[tuple[float, ...], tuple[int, ...]]  # (band minimums, their levels), ascending


def band_table(bands: list[Band]) -> BandTable:
    """Bands as parallel tuples for a binary search (a score a hair below a minimum still reaches it)."""
    return tuple(band.min - 1e-9 for band in bands), tuple(band.level for band in bands)


def level_in(table: BandTable, score: float | None) -> int | None:
    """The level of the band with the highest minimum not above the score; None without score or bands."""
    minimums, levels = table
    if score is None or not levels:
        return None
    return levels[max(0, bisect_right(minimums, score) - 1)]


def level_for(bands: list[Band], score: float | None) -> int | None:
    """The level a score reaches in a list of bands."""
    return level_in(band_table(bands), score)


@dataclass(frozen=True)
class _Plan:
    """A questionnaire's scoring tree with weights resolved per profile, so scoring does no lookups it can avoid."""

    questionnaire: Questionnaire
    scored: tuple[tuple[str, Callable[[Answer], float]], ...]  # (question id, answer -> number) when scored
    nodes: dict[str | None, tuple]  # profile -> ((node, rule, band table, ((ref, weight, level), ...)), ...)


_plans: dict[int, _Plan] = {}


def _plan(questionnaire: Questionnaire) -> _Plan:
    """The scoring plan of a questionnaire, built once per loaded questionnaire."""
    plan = _plans.get(id(questionnaire))
    if plan is not None and plan.questionnaire is questionnaire:
        return plan
    profiles = questionnaire.definition.scoring.profiles
    names = list(profiles.values) if profiles else [None]
    scored = tuple(
        (question_id, value_function(questionnaire, question))
        for question_id, question in questionnaire.questions.items()
        if question.scored
    )
    nodes = {}
    for profile in names:
        steps = []
        for node_id in questionnaire.node_order:
            node = questionnaire.nodes[node_id]
            if node.rule == "levels":
                inputs, domains = requirements(questionnaire, node, profile)
                rule = partial(_levels, domains=domains)
            else:
                inputs = tuple((source.ref, weight_of(source, profile), source.level) for source in node.inputs)
                rule = RULES[node.rule]
            steps.append((node, rule, band_table(questionnaire.bands(node)), inputs))
        nodes[profile] = tuple(steps)
    plan = _Plan(questionnaire, scored, nodes)
    _plans[id(questionnaire)] = plan
    return plan


def profile_of(questionnaire: Questionnaire, profile: str | None) -> str | None:
    """The weight profile scoring uses: the one asked for when the questionnaire has it, else its default."""
    profiles = questionnaire.definition.scoring.profiles
    if profiles is None:
        return None
    return profile if profile in profiles.values else profiles.default


def score(questionnaire: Questionnaire, answers: Mapping[str, Answer], profile: str | None = None) -> Result:
    """Score parsed answers; unanswered, hidden and not-applicable questions drop out."""
    profile = profile_of(questionnaire, profile)
    plan = _plan(questionnaire)
    hidden = hidden_questions(questionnaire, answers)
    values: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for question_id, value_of in plan.scored:
        answer = answers.get(question_id)
        if question_id in hidden:
            values[question_id], notes[question_id] = None, "hidden"
        elif answer is None:
            values[question_id], notes[question_id] = None, "unanswered"
        elif answer == NOT_APPLICABLE:
            values[question_id], notes[question_id] = None, "not applicable"
        else:
            values[question_id] = value_of(answer)
    question_values = {question_id: values.get(question_id) for question_id in answers if question_id not in hidden}
    results: dict[str, NodeResult] = {}
    value_of = values.get
    for node, rule, bands, sources in plan.nodes[profile]:
        inputs = [
            (ref, weight, level, value, "" if value is not None else notes.get(ref, ""))
            for ref, weight, level in sources
            for value in (value_of(ref),)
        ]
        node_score, trace = rule(node, inputs)
        values[node.id] = node_score
        if node_score is None:
            notes[node.id] = "not applicable"
        results[node.id] = _node_result((node.id, node.kind, node.rule, node_score, level_in(bands, node_score), trace))
    return Result(questionnaire.id, questionnaire.version, profile, results, dict(answers), question_values)


# One input of a node as the rules see it: (ref, weight for the profile, gating level, value or None, note)
Inputs = list[tuple[str, float, int | None, float | None, str]]


def weight_of(source: NodeInput, profile: str | None) -> float:
    """An input's weight under a profile."""
    return source.weight[profile] if isinstance(source.weight, dict) else source.weight


# Contributions are made by the hundred per assessment: build the tuple directly, without the Python-level __new__.
_contribution = partial(tuple.__new__, Contribution)
_node_result = partial(tuple.__new__, NodeResult)


def _dropped(inputs: Inputs) -> tuple:
    return tuple(Contribution(ref, value, 0.0, 0.0, note) for ref, _, _, value, note in inputs)


def _weighted_mean(node: Node, inputs: Inputs) -> tuple[float | None, tuple]:
    available = sum([weight for _, weight, _, value, _ in inputs if value is not None])
    if available <= 0:
        return None, _dropped(inputs)
    trace = []
    total = 0.0
    for ref, weight, _, value, note in inputs:
        if value is None:
            trace.append(_contribution((ref, None, 0.0, 0.0, note)))
            continue
        share = weight / available
        part = share * value
        total += part
        trace.append(_contribution((ref, value, share, part, note)))
    return total, tuple(trace)


def _sum(node: Node, inputs: Inputs) -> tuple[float | None, tuple]:
    declared = sum(weight for _, weight, _, _, _ in inputs)
    available = sum(weight for _, weight, _, value, _ in inputs if value is not None)
    if available <= 0:
        return None, _dropped(inputs)
    factor = declared / available  # not-applicable inputs drop out; the rest stand for the whole
    trace = []
    total = 0.0
    for ref, weight, _, value, note in inputs:
        if value is None:
            trace.append(Contribution(ref, None, 0.0, 0.0, note))
            continue
        total += weight * factor * value
        trace.append(Contribution(ref, value, weight * factor, weight * factor * value, note))
    if node.cap is not None and total > node.cap:
        trace = [
            Contribution(c.ref, c.value, c.weight, c.contribution * node.cap / total, c.note or "capped")
            for c in trace
        ]
        total = node.cap
    return total, tuple(trace)


def _minimum(node: Node, inputs: Inputs) -> tuple[float | None, tuple]:
    present = [(value, ref) for ref, _, _, value, _ in inputs if value is not None]
    if not present:
        return None, _dropped(inputs)
    lowest, lowest_ref = min(present, key=lambda pair: pair[0])
    trace = tuple(
        Contribution(ref, value, 1.0, value, "lowest")
        if ref == lowest_ref
        else Contribution(ref, value, 0.0, 0.0, note)
        for ref, _, _, value, note in inputs
    )
    return lowest, trace


def _gating(node: Node, inputs: Inputs) -> tuple[float | None, tuple]:
    by_level: dict[int, list[tuple[float, float]]] = {}
    for _, weight, level, value, _ in inputs:
        if value is not None and weight > 0:
            by_level.setdefault(level, []).append((weight, value))
    if not by_level:
        return None, _dropped(inputs)
    trace_notes = {}
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
    for ref, weight, level, value, note in inputs:
        if value is None:
            trace.append(Contribution(ref, None, 0.0, 0.0, note))
        else:
            counted = failed_level is None or level <= failed_level
            trace.append(Contribution(ref, value, weight if counted else 0.0, 0.0,
                                      trace_notes.get(level, f"level {level} not reached")))
    return result, tuple(trace)


def requirements(questionnaire: Questionnaire, node: Node, profile: str | None) -> tuple[tuple, tuple]:
    """A levels node's inputs as the requirements of its gating nodes, each with its domain and domain weight."""
    inputs, domains = [], []
    for source in node.inputs:
        domain_weight = weight_of(source, profile)
        for requirement in questionnaire.nodes[source.ref].inputs:
            inputs.append((requirement.ref, weight_of(requirement, profile), requirement.level))
            domains.append((source.ref, domain_weight))
    return tuple(inputs), tuple(domains)


def level_scores(inputs: Inputs, domains: tuple) -> dict[int, tuple[float, dict[str, tuple[float, float]]]]:
    """Per level: its score (the domains' requirement means, weighted by domain) and, per domain, (its mean, its
    share of the level's weight). A domain with no applicable requirement at a level drops out of that level; a
    level with none at all is absent (GB/T 39117's level score)."""
    sums: dict[int, dict[str, list[float]]] = {}
    for (_, weight, level, value, _), (domain, domain_weight) in zip(inputs, domains, strict=True):
        if value is None or weight <= 0 or domain_weight <= 0:
            continue
        held = sums.setdefault(level, {}).setdefault(domain, [0.0, 0.0, domain_weight])
        held[0] += weight * value
        held[1] += weight
    scores = {}
    for level in sorted(sums):
        total = sum(domain_weight for _, _, domain_weight in sums[level].values())
        means = {domain: (rated / weight, domain_weight / total)
                 for domain, (rated, weight, domain_weight) in sums[level].items()}
        scores[level] = (sum(mean * share for mean, share in means.values()), means)
    return scores


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
        reached = reached and score >= node.threshold - 1e-9
        rows.append(LevelScore(level, score, reached))
    return rows


def _levels(node: Node, inputs: Inputs, domains: tuple) -> tuple[float | None, tuple]:
    """GB/T 39117: a level is reached when its score reaches the threshold and every lower level is reached; the
    result is the highest level reached plus the score of the next level. The trace has one row per domain, at the
    level that decided the result."""
    scores = level_scores(inputs, domains)
    if not scores:
        return None, tuple(Contribution(domain, None, 0.0, 0.0, "not applicable")
                           for domain in dict.fromkeys(domain for domain, _ in domains))
    achieved, next_score, deciding = 0, 0.0, max(scores)
    for level, (score, _) in scores.items():
        if score >= node.threshold - 1e-9:
            achieved = level
        else:
            next_score, deciding = score, level
            break
    score, means = scores[deciding]
    met = "met" if deciding == achieved else "not met"
    trace = []
    for domain in dict.fromkeys(domain for domain, _ in domains):
        if domain in means:
            mean, share = means[domain]
            trace.append(_contribution((domain, mean, share, share * mean, f"level {deciding} {met} ({score:.2f})")))
        else:
            trace.append(_contribution((domain, None, 0.0, 0.0, "not applicable")))
    return min(5.0, achieved + next_score), tuple(trace)


def _progress(node: Node, inputs: Inputs) -> tuple[float | None, tuple]:
    low, high = node.range
    scale = 100.0 / (high - low)
    mapped = [
        (ref, weight, level, value if value is None else (0.0 if value <= low else 100.0 if value >= high
                                                          else (value - low) * scale), note)
        for ref, weight, level, value, note in inputs
    ]
    return _weighted_mean(node, mapped)


RULES = {
    "weighted_mean": _weighted_mean,
    "sum": _sum,
    "min": _minimum,
    "gating": _gating,
    "progress": _progress,
}
