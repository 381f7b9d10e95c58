"""The source of a questionnaire's slot function: its scoring tree written out as straight-line Python.

Each rule is written input by input with the operations of `scoring_trace` in the same order, so the numbers are
the same to the last bit: sums start from the integer 0 where the rules use `sum()` (which adds left to right on
Python 3.11) and from 0.0 where they add up a total by hand. Only numbers go into the source, written with `repr`
(which reads back as the same float), and question ids, written with `repr` too; the answer tables and value
functions are handed over by position, never written out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from operator import itemgetter
from types import CodeType

from assessment.scoring_tree import TOLERANCE, band_table, requirements, weight_of
from questionnaires.loader import Questionnaire
from questionnaires.schema import NOT_APPLICABLE, LinearScale, MultipleQuestion, Node, ThresholdScale

# (answers, ids of the hidden questions) -> (every slot's value (scoring_plan's slots), every node's level)
SlotFunction = Callable[[Mapping, Collection[str]], tuple[tuple, tuple]]

TOP = 5.0  # gating and levels: the result never passes the top level


# source -> its compiled code: a questionnaire file loaded again (each app, each test) is not compiled again
_compiled: dict[str, CodeType] = {}


def compile_source(source: str, tables: dict, converters: dict, conditional: Collection[str]) -> SlotFunction:
    """The slot function a source defines, given the answer tables and the value functions (question id -> each),
    and the ids of the questions shown only on a condition."""
    code = _compiled.get(source)
    if code is None:
        code = _compiled[source] = compile(source, "<scoring plan>", "exec")
    asked, shown = _split(tables, conditional)
    namespace = {"TABLES": tuple(tables[question_id] for question_id in asked), "TABLE_IDS": asked,
                 "SHOWN_TABLES": tuple(tables[question_id] for question_id in shown), "SHOWN_IDS": shown,
                 "CONVERT": converters, "TAKE": itemgetter(*asked) if len(asked) > 1 else None}
    exec(code, namespace)  # noqa: S102 - numbers and quoted ids only
    return namespace["slot_values"]


def scoring_source(questionnaire: Questionnaire, profile: str | None, slots: dict[str, int], tables: dict,
                   converted: list[str]) -> str:
    """The source of the slot function of one weight profile (slots: question or node id -> its slot). It returns
    every slot's value, then every node's level (None without bands or score)."""
    names = {ref: f"v{slot}" for ref, slot in slots.items()}
    lines = ["def slot_values(answers, hidden):", "    get = answers.get"]
    asked, shown = _split(tables, _conditional(questionnaire))
    if len(asked) > 1:  # every answer in one call when all are there (a KeyError when one is missing)
        lines += ["    try:", "        answered = TAKE(answers)", "    except KeyError:",
                  "        answered = map(get, TABLE_IDS)"]
    elif asked:
        lines.append("    answered = map(get, TABLE_IDS)")
    if asked:
        lines.append(f"    ({', '.join(names[question_id] for question_id in asked)},)"
                     " = map(dict.get, TABLES, answered)")
    if shown:  # often unanswered (hidden): looked up one by one, so that the others stay in one call
        lines.append(f"    ({', '.join(names[question_id] for question_id in shown)},)"
                     " = map(dict.get, SHOWN_TABLES, map(get, SHOWN_IDS))")
    for question_id in tables:
        if isinstance(questionnaire.questions[question_id], MultipleQuestion):  # not in the table: ticked in
            name = names[question_id]                                           # another order, or unanswered
            lines += [f"    if {name} is None:", f"        answer = get({question_id!r})",
                      f"        if answer is not None and answer != {NOT_APPLICABLE!r}:"
                      f" {name} = CONVERT[{question_id!r}](answer)"]
    for question_id in converted:
        lines += ["    " + line for line in _converted(questionnaire, question_id, names[question_id])]
    for question_id, _ in questionnaire.conditional:
        if question_id in names:
            lines.append(f"    if {question_id!r} in hidden: {names[question_id]} = None")
    sums = _LevelSums(names)
    for node_id in questionnaire.node_order:
        node = questionnaire.nodes[node_id]
        lines += [f"    # {node.rule} {node_id!r}",
                  *("    " + line for line in _node_lines(questionnaire, node, profile, names, sums))]
    levels = []
    for node_id in questionnaire.node_order:
        name, (minimums, band_levels) = names[node_id], band_table(questionnaire.bands(questionnaire.nodes[node_id]))
        if band_levels:
            lines.append(f"    level_{name} = None if {name} is None else {_band_chain(name, minimums, band_levels)}")
        levels.append(f"level_{name}" if band_levels else "None")
    lines.append(f"    return ({', '.join(f'v{slot}' for slot in sorted(slots.values()))},), ({', '.join(levels)},)")
    return "\n".join(lines) + "\n"


def _conditional(questionnaire: Questionnaire) -> frozenset[str]:
    """The ids of the questions shown only on a condition: their answers are often missing."""
    return frozenset(question_id for question_id, _ in questionnaire.conditional)


def _split(tables: dict, conditional: Collection[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ids of the questions with an answer table: those always asked, and those shown on a condition."""
    return (tuple(question_id for question_id in tables if question_id not in conditional),
            tuple(question_id for question_id in tables if question_id in conditional))


def _converted(questionnaire: Questionnaire, question_id: str, name: str) -> list[str]:
    """The number an answer stands for (answers.value_function), None when unanswered or not applicable: threshold
    and linear scales written out, the others through their value function."""
    question = questionnaire.questions[question_id]
    scale = questionnaire.definition.scales.get(question.scale) if question.scale else None
    if isinstance(scale, ThresholdScale):
        minimums, values = [step.min for step in scale.steps], [step.value for step in scale.steps]
        chain = _number(values[0])
        for minimum, value in zip(minimums[1:], values[1:], strict=True):
            chain = f"{_number(value)} if answer >= {_number(minimum)} else ({chain})"
        value = chain
    elif isinstance(scale, LinearScale):
        (a, b), (c, d) = scale.from_, scale.to
        low, high = min(c, d), max(c, d)
        value = f"min({_number(high)}, max({_number(low)}, {_number(c)} + (answer - {_number(a)}) *" \
                f" {_number(d - c)} / {_number(b - a)}))"
    else:
        value = f"CONVERT[{question_id!r}](answer)"
    return [f"answer = get({question_id!r})",
            f"{name} = None if answer is None or answer == {NOT_APPLICABLE!r} else {value}"]


def _band_chain(name: str, minimums: tuple, band_levels: tuple) -> str:
    """scoring_tree.level_in written out: the level of the highest band whose minimum the score reaches, else the
    lowest band's."""
    chain = f"{band_levels[0]!r}"
    for minimum, level in zip(minimums[1:], band_levels[1:], strict=True):
        chain = f"{level!r} if {name} >= {_number(minimum)} else ({chain})"
    return chain


class _LevelSums:
    """The sums of one level's requirements (their weighted ratings and their weights, positive weights only), each
    written once: a gating node and the levels node reading the same requirements share them."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.written: dict[tuple, int] = {}

    def lines(self, pairs: tuple[tuple[str, float], ...]) -> tuple[list[str], str, str]:
        """The lines that add up one level's (ref, weight) requirements (none when already written), and the
        names of the two sums. A weight of 1.0 multiplies nothing (a float times 1.0 is itself)."""
        number = self.written.get(pairs)
        if number is not None:
            return [], f"rated{number}", f"weights{number}"
        number = self.written[pairs] = len(self.written)
        rated, weights = f"rated{number}", f"weights{number}"
        lines = [f"{rated} = {weights} = 0"]
        products = []
        for ref, weight in pairs:
            name = self.names[ref]
            products.append(name if weight == 1.0 else f"{_number(weight)} * {name}")
            lines.append(f"if {name} is not None: {rated} += {products[-1]}; {weights} += {_number(weight)}")
        total = _number(_added(weight for _, weight in pairs))
        return _all_present(f"{rated}, {weights} = 0 + {' + '.join(products)}, {total}", lines), rated, weights


def _number(value: float) -> str:
    """A weight or threshold as a literal that reads back as the same number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return f"({value!r})"


def _node_lines(questionnaire: Questionnaire, node: Node, profile: str | None, names: dict[str, str],
                sums: _LevelSums) -> list[str]:
    target = names[node.id]
    if node.rule == "levels":
        return _levels(questionnaire, node, profile, sums, target)
    if node.rule == "gating":
        return _gating(node, profile, sums, target)
    pairs = [(names[source.ref], weight_of(source, profile), source.level) for source in node.inputs]
    if node.rule == "min":
        return _minimum(pairs, target)
    if node.rule == "sum":
        declared = sum(weight_of(source, profile) for source in node.inputs)  # as scoring_trace._sum adds them
        return _sum(node, pairs, declared, target)
    if node.rule == "progress":
        low, high = node.range
        scale = 100.0 / (high - low)
        mapped = f"(0.0 if {{x}} <= {_number(low)} else 100.0 if {{x}} >= {_number(high)}" \
                 f" else ({{x}} - {_number(low)}) * {_number(scale)})"
        return _weighted_mean(pairs, target, mapped)
    return _weighted_mean(pairs, target, "{x}")


def _available(pairs: list) -> list[str]:
    """`available`: the weights of the inputs that have a value, added as `sum()` adds them (from the integer 0)."""
    return ["available = 0",
            *(f"if {name} is not None: available += {_number(weight)}" for name, weight, _ in pairs)]


def _all_present(sum_line: str, lines: list[str]) -> list[str]:
    """A fast way first, for when every input has a value: one sum with the shares worked out here. An input
    without value (None) makes its arithmetic raise TypeError, and the lines that look at each input take over."""
    return ["try:", f"    {sum_line}", "except TypeError:", *("    " + line for line in lines)]


def _added(weights) -> float:
    """Weights added as `sum()` and the lines above add them: left to right, from the integer 0."""
    total = 0
    for weight in weights:
        total += weight
    return total


def _weighted_mean(pairs: list, target: str, value: str) -> list[str]:
    """scoring_trace._weighted_mean: total += (weight / available) * value, from 0.0."""
    lines = [*_available(pairs), "if available <= 0:", f"    {target} = None", "else:", "    total = 0.0",
             *(f"    if {name} is not None: total += {_number(weight)} / available * {value.format(x=name)}"
               for name, weight, _ in pairs),
             f"    {target} = total"]
    available = _added(weight for _, weight, _ in pairs)
    if available <= 0:
        return lines
    parts = " + ".join(f"{_number(weight / available)} * {value.format(x=name)}" for name, weight, _ in pairs)
    return _all_present(f"{target} = 0.0 + {parts}", lines)


def _sum(node: Node, pairs: list, declared: float, target: str) -> list[str]:
    """scoring_trace._sum: the weights scaled up to the declared total, then capped."""
    lines = [*_available(pairs), "if available <= 0:", f"    {target} = None", "else:",
             f"    factor = {_number(declared)} / available", "    total = 0.0",
             *(f"    if {name} is not None: total += {_number(weight)} * factor * {name}"
               for name, weight, _ in pairs)]
    if node.cap is not None:
        lines.append(f"    if total > {_number(node.cap)}: total = {_number(node.cap)}")
    return [*lines, f"    {target} = total"]


def _minimum(pairs: list, target: str) -> list[str]:
    """scoring_trace._minimum: the first of the lowest values."""
    (first, _, _), *rest = pairs
    return [f"{target} = {first}",
            *(f"if {name} is not None and ({target} is None or {name} < {target}): {target} = {name}"
              for name, _, _ in rest)]


def _capped(target: str) -> list[str]:
    """The highest level reached plus the next level's score, never above the top (min(5.0, ...) as written)."""
    return ["if present:", "    result = achieved + following",
            f"    {target} = result if result < {TOP!r} else {TOP!r}", "else:", f"    {target} = None"]


def _gating(node: Node, profile: str | None, sums: _LevelSums, target: str) -> list[str]:
    """scoring_trace._gating: per level upwards, the weighted mean of its requirements (positive weights only); the
    levels reached in a row, plus the mean of the first level missed. Every level's sums are written, reached or
    not: the levels node reads them too."""
    threshold = _number(node.threshold - TOLERANCE)
    by_level: dict[int, list] = {}
    for source in node.inputs:
        if (weight := weight_of(source, profile)) > 0:
            by_level.setdefault(source.level, []).append((source.ref, weight))
    lines, chain, levels = [], ["achieved, following, present, going = 0, 0.0, False, True"], []
    for level in sorted(by_level):
        written, rated, weights = sums.lines(tuple(by_level[level]))
        lines += written
        levels.append((level, rated, weights))
        chain += [f"if going and {weights}:", "    present = True", f"    mean = {rated} / {weights}",
                  f"    if mean >= {threshold}: achieved = {level}", "    else: following = mean; going = False"]
    if not levels:
        return [*lines, *chain, *_capped(target)]
    return [*lines, f"if {' and '.join(weights for _, _, weights in levels)}:",
            *("    " + line for line in _gating_steps(levels, threshold, 0)),
            f"    {target} = result if result < {TOP!r} else {TOP!r}",
            "else:", *("    " + line for line in [*chain, *_capped(target)])]


def _gating_steps(levels: list, threshold: str, achieved: int) -> list[str]:
    """Every level with requirements (the usual case): the levels reached in a row as nested tests, `result` the
    highest reached plus the mean of the first missed (achieved + following, as the lines that track them add)."""
    if not levels:
        return [f"result = {achieved} + 0.0"]
    (level, rated, weights), *higher = levels
    return [f"mean = {rated} / {weights}", f"if mean >= {threshold}:",
            *("    " + line for line in _gating_steps(higher, threshold, level)),
            "else:", f"    result = {achieved} + mean"]


def _levels(questionnaire: Questionnaire, node: Node, profile: str | None, sums: _LevelSums,
            target: str) -> list[str]:
    """scoring_trace.level_scores and levels_trace (GB/T 39117): per level upwards, each domain's requirement mean
    weighted by its domain weight among the domains with an applicable requirement at that level."""
    threshold = _number(node.threshold - TOLERANCE)
    sources, domains = requirements(questionnaire, node, profile)
    by_level: dict[int, dict[str, tuple[float, list]]] = {}
    for (ref, weight, level), (domain, domain_weight) in zip(sources, domains, strict=True):
        if weight > 0 and domain_weight > 0:
            by_level.setdefault(level, {}).setdefault(domain, (domain_weight, []))[1].append((ref, weight))
    lines, chain = [], ["achieved, following, present, going = 0, 0.0, False, True"]
    for level in sorted(by_level):
        parts = []  # (domain weight, its rated sum's name, its weights' name)
        for domain_weight, pairs in by_level[level].values():
            written, rated, weights = sums.lines(tuple(pairs))
            lines += written
            parts.append((domain_weight, rated, weights))
        # every domain applicable (the usual case): the domain weights' total and shares are known here
        total = _added(weight for weight, _, _ in parts)
        shares = [f"{rated} / {weights} * {_number(weight / total)}" for weight, rated, weights in parts]
        chain += [f"if going and {' and '.join(weights for _, _, weights in parts)}:", "    present = True",
                  f"    score = 0 + {' + '.join(shares)}",
                  f"    if score >= {threshold}: achieved = {level}",
                  "    else: following = score; going = False",
                  f"elif going and ({' or '.join(weights for _, _, weights in parts)}):", "    present = True",
                  "    total = 0",
                  *(f"    if {weights}: total += {_number(weight)}" for weight, _, weights in parts),
                  "    score = 0",
                  *(f"    if {weights}: score += {rated} / {weights} * ({_number(weight)} / total)"
                    for weight, rated, weights in parts),
                  f"    if score >= {threshold}: achieved = {level}",
                  "    else: following = score; going = False"]
    return [*lines, *chain, *_capped(target)]
