"""The trace of a score: how each input of a node moved it, built from the values the compiled plan gave.

One function per rule, each given the node's inputs with their values (question numbers and node scores from the
plan) and the node's own score, and returning one `Contribution` per input, with the numbers the rule's own
arithmetic gives (the plan's source, scoring_source.py, is written to the same operations in the same order).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

from assessment.scoring_tree import TOLERANCE
from questionnaires.schema import Node


class Contribution(NamedTuple):
    """How one input moved a node: its value, its effective weight after renormalising, and its share of the score."""

    ref: str
    value: float | None  # None: not applicable or hidden
    weight: float  # effective weight (renormalised); 0 when dropped
    contribution: float  # the part of the node's score this input accounts for
    note: str = ""  # e.g. "not applicable", "hidden", "level 3", "lowest"


# One input of a node as the rules see it: (ref, weight for the profile, gating level, value or None, note)
Inputs = list[tuple[str, float, int | None, float | None, str]]

# Contributions are made by the hundred per assessment: build the tuple directly, without the Python-level __new__.
_contribution = partial(tuple.__new__, Contribution)


def _dropped(inputs: Inputs) -> tuple:
    return tuple(_contribution((ref, value, 0.0, 0.0, note)) for ref, _, _, value, note in inputs)


def _weighted_mean(node: Node, inputs: Inputs, score: float | None) -> tuple:
    available = sum([weight for _, weight, _, value, _ in inputs if value is not None])
    if available <= 0:
        return _dropped(inputs)
    trace = []
    for ref, weight, _, value, note in inputs:
        if value is None:
            trace.append(_contribution((ref, None, 0.0, 0.0, note)))
        else:
            share = weight / available
            trace.append(_contribution((ref, value, share, share * value, note)))
    return tuple(trace)


def _sum(node: Node, inputs: Inputs, score: float | None) -> tuple:
    declared = sum(weight for _, weight, _, _, _ in inputs)
    available = sum(weight for _, weight, _, value, _ in inputs if value is not None)
    if available <= 0:
        return _dropped(inputs)
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
    return tuple(trace)


def _minimum(node: Node, inputs: Inputs, score: float | None) -> tuple:
    if score is None:
        return _dropped(inputs)
    # the score is the lowest value: the first input that has it is the one that counts
    lowest_ref = next(ref for ref, _, _, value, _ in inputs if value is not None and value == score)
    return tuple(
        _contribution((ref, value, 1.0, value, "lowest"))
        if ref == lowest_ref
        else _contribution((ref, value, 0.0, 0.0, note))
        for ref, _, _, value, note in inputs
    )


def _gating(node: Node, inputs: Inputs, score: float | None) -> tuple:
    by_level: dict[int, list] = {}  # level -> [sum of weight * rating, sum of weights], added as sum() adds
    for _, weight, level, value, _ in inputs:
        if value is not None and weight > 0:
            held = by_level.get(level)
            if held is None:
                held = by_level[level] = [0, 0]
            held[0] += weight * value
            held[1] += weight
    if not by_level:
        return _dropped(inputs)
    trace_notes = {}
    failed_level = None
    for level in sorted(by_level):
        rated, weights = by_level[level]
        mean = rated / weights
        if mean >= node.threshold - TOLERANCE:
            trace_notes[level] = f"level {level} met ({mean:.2f})"
        else:
            failed_level = level
            trace_notes[level] = f"level {level} not met ({mean:.2f} < {node.threshold:g})"
            break
    trace = []
    for ref, weight, level, value, note in inputs:
        if value is None:
            trace.append(_contribution((ref, None, 0.0, 0.0, note)))
        else:
            counted = failed_level is None or level <= failed_level
            trace.append(_contribution((ref, value, weight if counted else 0.0, 0.0,
                                        trace_notes.get(level, f"level {level} not reached"))))
    return tuple(trace)


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


def levels_trace(node: Node, inputs: Inputs, domains: tuple) -> tuple:
    """GB/T 39117's trace: one row per domain, at the level that decided the result (the first level missed, or the
    highest level when all are reached)."""
    scores = level_scores(inputs, domains)
    if not scores:
        return tuple(_contribution((domain, None, 0.0, 0.0, "not applicable"))
                     for domain in dict.fromkeys(domain for domain, _ in domains))
    achieved, deciding = 0, max(scores)
    for level, (score, _) in scores.items():
        if score >= node.threshold - TOLERANCE:
            achieved = level
        else:
            deciding = level
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
    return tuple(trace)


def _progress(node: Node, inputs: Inputs, score: float | None) -> tuple:
    low, high = node.range
    scale = 100.0 / (high - low)
    mapped = [
        (ref, weight, level, value if value is None else (0.0 if value <= low else 100.0 if value >= high
                                                          else (value - low) * scale), note)
        for ref, weight, level, value, note in inputs
    ]
    return _weighted_mean(node, mapped, score)


TRACES = {
    "weighted_mean": _weighted_mean,
    "sum": _sum,
    "min": _minimum,
    "gating": _gating,
    "progress": _progress,
}
