"""The source of a questionnaire's slot function (every question's and node's value, for `score`) and node function
(every node's score and level alone, for `scoring_plan(q).scores`): its scoring tree written out as straight-line
Python.

Each rule is written input by input with the operations of `scoring_trace` in the same order, so the numbers are
the same to the last bit: sums start from the integer 0 where the rules use `sum()` (which adds left to right on
Python 3.11) and from 0.0 where they add up a total by hand. Only numbers go into the source, written with `repr`
(which reads back as the same float), and question ids, written with `repr` too; the answer tables and value
functions are handed over by position, never written out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from itertools import product
from operator import itemgetter
from types import CodeType

from assessment.scoring_tree import TOLERANCE, band_table, level_in, requirements, weight_of
from questionnaires.loader import Questionnaire
from questionnaires.schema import NOT_APPLICABLE, LinearScale, MultipleQuestion, Node, ThresholdScale

# (answers, ids of the hidden questions) -> (every slot's value (scoring_plan's slots), every node's level)
SlotFunction = Callable[[Mapping, Collection[str]], tuple[tuple, tuple]]
# answers -> (every node's score, every node's level), in the questionnaire's node order
NodeFunction = Callable[[Mapping], tuple[tuple, tuple]]

TOP = 5.0  # gating and levels: the result never passes the top level

# The node function looks a level's requirements up in one table of every answer combination they can take (each
# requirement's table answers, unanswered and not applicable), giving their mean, when the table has at most this
# many entries: 6 ** 4 = 1,296 covers four requirements of four options, the most one level of a shipped gating
# node has. One lookup instead of a lookup and an addition per requirement; bigger groups are added up as answered.
GROUP_TABLE_ENTRIES = 1296


# source -> its compiled code: a questionnaire file loaded again (each app, each test) is not compiled again
_compiled: dict[str, CodeType] = {}


def compile_source(source: str, tables: dict, converters: dict, conditional: Collection[str],
                   extra: Mapping | None = None) -> Callable:
    """The function a source defines (`slot_values` or `node_values`), given the answer tables and the value
    functions (question id -> each), the ids of the questions shown only on a condition, and any further names the
    source reads (`scores_source` gives them)."""
    code = _compiled.get(source)
    if code is None:
        code = _compiled[source] = compile(source, "<scoring plan>", "exec")
    asked, shown = _split(tables, conditional)
    namespace = {"TABLES": tuple(tables[question_id] for question_id in asked), "TABLE_IDS": asked,
                 "SHOWN_TABLES": tuple(tables[question_id] for question_id in shown), "SHOWN_IDS": shown,
                 "CONVERT": converters, "TAKE": itemgetter(*asked) if len(asked) > 1 else None, **(extra or {})}
    exec(code, namespace)  # noqa: S102 - numbers and quoted ids only
    return namespace.get("node_values") or namespace["slot_values"]


def scoring_source(questionnaire: Questionnaire, profile: str | None, slots: dict[str, int], tables: dict,
                   converted: list[str]) -> str:
    """The source of the slot function of one weight profile (slots: question or node id -> its slot). It returns
    every slot's value, then every node's level (None without bands or score)."""
    names = {ref: f"v{slot}" for ref, slot in slots.items()}
    lines = ["def slot_values(answers, hidden):", *_reading_lines(questionnaire, tables, converted, names)]
    lines += _node_body(questionnaire, profile, names, _LevelSums(names, _lowest(tables)))
    lines += _level_lines(questionnaire, profile, names)
    lines.append(f"    return ({', '.join(f'v{slot}' for slot in sorted(slots.values()))},),"
                 f" ({', '.join(_level_names(questionnaire, names))},)")
    return "\n".join(lines) + "\n"


def scores_source(questionnaire: Questionnaire, profile: str | None, slots: dict[str, int], tables: dict,
                  converted: list[str]) -> tuple[str, dict, dict]:
    """The source of the node function of one weight profile: every node's score and level alone, for bulk work.

    A level's requirements are looked up together (GROUP_TABLE_ENTRIES) and only the questions a node reads by
    itself get a value. An answer no table lists (a checklist ticked in another order, a list read back from JSON,
    an unknown option) sends the answer set to the slot function (CAREFUL), which reads every answer as it comes.
    Returns the source, the answer tables it reads one by one (for `compile_source`), and the further names it reads
    (the level tables and the ids of their questions; CAREFUL, HIDDEN (answers.hidden_questions for the
    questionnaire), QUESTIONS (the number of question slots) and TESTS (`condition_tests`) are the caller's)."""
    names = {ref: f"v{slot}" for ref, slot in slots.items()}
    sums = _LevelSums(names, _lowest(tables), _GroupTables(questionnaire, tables))
    body = _node_body(questionnaire, profile, names, sums)
    needed = sums.read | {source.ref for node in questionnaire.nodes.values() if node.rule not in ("gating", "levels")
                          for source in node.inputs}
    own_tables = {question_id: table for question_id, table in tables.items() if question_id in needed}
    own_converted = [question_id for question_id in converted if question_id in needed]
    # the groups by table (one table serves every group of the same size and weights): each table's answers read in
    # one call, cut into keys by zip over one iterator and looked up by map, all in C
    shared: dict[int, tuple[dict, list]] = {}
    for pairs, mean, table in sums.tabled:
        shared.setdefault(id(table), (table, []))[1].append((pairs, mean))
    # each question's own id (a node names its inputs with strings of its own): answers keyed by the questionnaire's
    # ids are found by identity, without comparing the strings
    own = {question_id: question_id for question_id in questionnaire.questions}
    grouped = tuple(tuple(own[ref] for pairs, _ in members for ref, _ in pairs) for _, members in shared.values())
    lines = ["def node_values(answers):", "    get = answers.get", *_hidden_lines(questionnaire)]
    for number in range(len(grouped)):  # a KeyError when an answer is missing: then one by one
        lines += ["    try:", f"        grouped{number} = iter(TAKE_GROUPED[{number}](answers))",
                  "    except KeyError:", f"        grouped{number} = map(get, GROUPED_IDS[{number}])"]
    lines += _reading_lines(questionnaire, own_tables, own_converted, names, hidden="hidden{}")[1:]
    if shared:
        lookups = [f"        ({', '.join(mean for _, mean in members)},) = map(LOOK_UP[{number}],"
                   f" zip({', '.join([f'grouped{number}'] * len(members[0][0]))}))"
                   for number, (_, members) in enumerate(shared.values())]
        lines += ["    try:", *lookups, "    except (KeyError, TypeError):  # an answer no table lists",
                  "        values, levels = CAREFUL(answers, HIDDEN(answers))",
                  "        return values[QUESTIONS:], levels"]
    lines += body
    lines += _level_lines(questionnaire, profile, names)
    lines.append(f"    return ({', '.join(names[node_id] for node_id in questionnaire.node_order)},),"
                 f" ({', '.join(_level_names(questionnaire, names))},)")
    extra = {"LEVEL_TABLES": tuple(table for table, _ in shared.values()), "GROUPED_IDS": grouped,
             "LOOK_UP": tuple(table.__getitem__ for table, _ in shared.values()),
             "TAKE_GROUPED": tuple(itemgetter(*ids) if len(ids) > 1 else lambda answers, i=ids[0]: (answers[i],)
                                   for ids in grouped)}
    return "\n".join(lines) + "\n", own_tables, extra


def _reading_lines(questionnaire: Questionnaire, tables: dict, converted: list[str], names: dict,
                   hidden: str | None = None) -> list[str]:
    """The lines that give each question in `tables` and `converted` its number (None: unanswered, not applicable
    or hidden). Hidden: the set `hidden` the function is given, or with a name pattern, the variables
    `_hidden_lines` writes (hidden0 for the first question shown on a condition, and so on)."""
    lines = ["    get = answers.get"]
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
    for number, (question_id, _) in enumerate(questionnaire.conditional):
        if question_id in tables or question_id in converted:
            test = hidden.format(number) if hidden else f"{question_id!r} in hidden"
            lines.append(f"    if {test}: {names[question_id]} = None")
    return lines


def _hidden_lines(questionnaire: Questionnaire) -> list[str]:
    """answers.hidden_questions and condition_met written out: hidden<n> is whether the n-th question shown on a
    condition is hidden (the answer it looks at missing, not applicable or not meeting the test, or that question
    hidden itself when it comes earlier). The test's value is TESTS[n] (equals, one_of as a tuple, or at_least)."""
    earlier: dict[str, int] = {}
    lines = []
    for number, (question_id, condition) in enumerate(questionnaire.conditional):
        parent = earlier.get(condition.question)
        value = f"TESTS[{number}]"
        if condition.equals is not None:
            met = f"({value} in answer if isinstance(answer, tuple) else answer == {value})"
        elif condition.one_of is not None:
            met = f"(any(one in {value} for one in answer) if isinstance(answer, tuple) else answer in {value})"
        else:
            met = f"(isinstance(answer, int | float) and not isinstance(answer, bool) and answer >= {value})"
        lines += [f"    answer = get({condition.question!r})",
                  f"    hidden{number} = {f'hidden{parent} or ' if parent is not None else ''}answer is None"
                  f" or answer == {NOT_APPLICABLE!r} or not {met}"]
        earlier[question_id] = number
    return lines


def condition_tests(questionnaire: Questionnaire) -> tuple:
    """TESTS for `_hidden_lines`: each condition's value, in the order of the questions shown on a condition."""
    return tuple(condition.equals if condition.equals is not None else tuple(condition.one_of)
                 if condition.one_of is not None else condition.at_least for _, condition in questionnaire.conditional)


def _node_body(questionnaire: Questionnaire, profile: str | None, names: dict, sums: _LevelSums) -> list[str]:
    """Every node's lines, in post-order."""
    lines = []
    for node_id in questionnaire.node_order:
        node = questionnaire.nodes[node_id]
        lines += [f"    # {node.rule} {node_id!r}",
                  *("    " + line for line in _node_lines(questionnaire, node, profile, names, sums))]
    return lines


def _level_lines(questionnaire: Questionnaire, profile: str | None, names: dict) -> list[str]:
    """Each banded node's level, `level_<its name>`, None without a score (a gating node with requirements writes
    its own, see `_gating`)."""
    lines = []
    for node_id in questionnaire.node_order:
        node = questionnaire.nodes[node_id]
        name, (minimums, band_levels) = names[node_id], band_table(questionnaire.bands(node))
        if band_levels and not _gating_levels(node, profile):
            lines.append(f"    level_{name} = None if {name} is None else {_band_chain(name, minimums, band_levels)}")
    return lines


def _lowest(tables: dict) -> dict[str, float]:
    """Question id -> the lowest number its answers stand for (those with an answer table)."""
    return {question_id: min(value for value in table.values() if value is not None)
            for question_id, table in tables.items() if any(value is not None for value in table.values())}


def _level_names(questionnaire: Questionnaire, names: dict) -> list[str]:
    """Per node in post-order, the name of its level (None without bands)."""
    return [f"level_{names[node_id]}" if band_table(questionnaire.bands(questionnaire.nodes[node_id]))[1] else "None"
            for node_id in questionnaire.node_order]


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
        # the value of the highest step the answer reaches, else the lowest step's (the steps ascend)
        value = _band_chain("answer", tuple(step.min for step in scale.steps),
                            tuple(_number(step.value) for step in scale.steps), str)
    elif isinstance(scale, LinearScale):
        (a, b), (c, d) = scale.from_, scale.to
        low, high = min(c, d), max(c, d)
        value = f"min({_number(high)}, max({_number(low)}, {_number(c)} + (answer - {_number(a)}) *" \
                f" {_number(d - c)} / {_number(b - a)}))"
    else:
        value = f"CONVERT[{question_id!r}](answer)"
    return [f"answer = get({question_id!r})",
            f"{name} = None if answer is None or answer == {NOT_APPLICABLE!r} else {value}"]


def _band_chain(name: str, minimums: tuple, band_levels: tuple, literal: Callable = repr) -> str:
    """scoring_tree.level_in written out: the level of the highest band whose minimum the score reaches, else the
    lowest band's (minimums ascending); the bands halved at each test (three tests for six bands, not up to five).
    `literal` writes a level (or a threshold scale's value) into the source."""
    if len(band_levels) == 1:
        return literal(band_levels[0])
    middle = len(band_levels) // 2  # the score reaches band `middle` or one above, or stays in one below
    return (f"({_band_chain(name, minimums[middle:], band_levels[middle:], literal)} if {name} >="
            f" {_number(minimums[middle])} else {_band_chain(name, minimums[:middle], band_levels[:middle], literal)})")


class _GroupTables:
    """One level's requirements looked up together: every combination of their answers -> their mean (None when
    none applies), worked out with the arithmetic of the lines `_LevelSums` writes; one table per distinct group."""

    def __init__(self, questionnaire: Questionnaire, tables: dict) -> None:
        self.tables = tables
        self.conditional = _conditional(questionnaire)
        self.made: dict[tuple, dict] = {}

    def table(self, pairs: tuple[tuple[str, float], ...]) -> dict | None:
        """The table of a group of (question id, weight), or None when a requirement has no answer table, is shown
        on a condition, or the table would pass GROUP_TABLE_ENTRIES."""
        if any(ref not in self.tables or ref in self.conditional for ref, _ in pairs):
            return None
        answers = [(*self.tables[ref], None, NOT_APPLICABLE) for ref, _ in pairs]
        if math.prod(len(choices) for choices in answers) > GROUP_TABLE_ENTRIES:
            return None
        key = tuple((tuple(self.tables[ref].items()), weight) for ref, weight in pairs)
        if key not in self.made:
            self.made[key] = {combination: _mean(pairs, [self.tables[ref].get(answer) for (ref, _), answer
                                                         in zip(pairs, combination, strict=True)])
                              for combination in product(*answers)}
        return self.made[key]


def _mean(pairs: tuple, values: list) -> float | None:
    """The mean of one level's requirements as the careful lines of `_LevelSums` work it out."""
    rated = weights = 0
    for (_, weight), value in zip(pairs, values, strict=True):
        if value is not None:
            rated += value if weight == 1.0 else weight * value
            weights += weight
    return rated / weights if weights else None


class _LevelSums:
    """The mean of one level's requirements (their weighted ratings over their weights, positive weights only; None
    when none applies), each written once: a gating node and the levels node reading the same requirements share
    it. With group tables (the node function), a group that has one is looked up from the raw answers instead."""

    def __init__(self, names: dict[str, str], lowest: dict[str, float], groups: _GroupTables | None = None) -> None:
        self.names = names
        self.lowest = lowest  # question id -> the lowest number its answers stand for
        self.groups = groups
        self.written: dict[tuple, str] = {}
        self.lows: dict[str, float | None] = {}  # mean's name -> the lowest it can be (None: not known)
        self.read: set[str] = set()  # the questions whose values the lines read one by one
        self.tabled: list[tuple[tuple, str, dict]] = []  # (pairs, mean's name, group table) looked up together

    def lines(self, pairs: tuple[tuple[str, float], ...]) -> tuple[list[str], str]:
        """The lines that work out one level's (ref, weight) requirements' mean (none when already written or
        looked up), and its name. A weight of 1.0 multiplies nothing (a float times 1.0 is itself)."""
        mean = self.written.get(pairs)
        if mean is not None:
            return [], mean
        mean = self.written[pairs] = f"mean{len(self.written)}"
        # a mean of weighted values (positive weights) is never below the lowest value
        self.lows[mean] = min(self.lowest[ref] for ref, _ in pairs) if all(ref in self.lowest for ref, _ in pairs) \
            else None
        table = self.groups.table(pairs) if self.groups else None
        if table is not None:
            self.tabled.append((pairs, mean, table))
            return [], mean
        self.read.update(ref for ref, _ in pairs)
        lines = ["rated = weights = 0"]
        products = []
        for ref, weight in pairs:
            name = self.names[ref]
            products.append(name if weight == 1.0 else f"{_number(weight)} * {name}")
            lines.append(f"if {name} is not None: rated += {products[-1]}; weights += {_number(weight)}")
        total = _number(_added(weight for _, weight in pairs))
        lines.append(f"{mean} = rated / weights if weights else None")
        return _all_present(f"{mean} = (0 + {' + '.join(products)}) / {total}", lines), mean


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
        return _gating(questionnaire, node, profile, sums, target)
    pairs = [(names[source.ref], weight_of(source, profile), source.level) for source in node.inputs]
    if node.rule == "min":
        return _minimum(pairs, target)
    if node.rule == "sum":
        declared = sum(weight_of(source, profile) for source in node.inputs)  # as scoring_trace._sum adds them
        return _sum(node, pairs, declared, target)
    if node.rule == "progress":
        low, high = node.range
        scale = 100.0 / (high - low)
        above = "{x}" if low == 0 else f"({{x}} - {_number(low)})"  # x - 0.0 is x, to the last bit
        mapped = f"(0.0 if {{x}} <= {_number(low)} else 100.0 if {{x}} >= {_number(high)}" \
                 f" else {above} * {_number(scale)})"
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


def _gating_levels(node: Node, profile: str | None) -> dict[int, list]:
    """A gating node's requirements with a positive weight, by level: level -> [(ref, weight)]."""
    by_level: dict[int, list] = {}
    if node.rule == "gating":
        for source in node.inputs:
            if (weight := weight_of(source, profile)) > 0:
                by_level.setdefault(source.level, []).append((source.ref, weight))
    return by_level


def _gating(questionnaire: Questionnaire, node: Node, profile: str | None, sums: _LevelSums,
            target: str) -> list[str]:
    """scoring_trace._gating: per level upwards, the weighted mean of its requirements (positive weights only); the
    levels reached in a row, plus the mean of the first level missed. Every level's mean is worked out, reached or
    not: the levels node reads them too. With requirements, the node's level is written here too: where every
    score a branch can give lies in one band, that band's level."""
    threshold = _number(node.threshold - TOLERANCE)
    by_level = _gating_levels(node, profile)
    lines, chain, levels = [], ["achieved, following, present, going = 0, 0.0, False, True"], []
    for level in sorted(by_level):
        written, mean = sums.lines(tuple(by_level[level]))
        lines += written
        levels.append((level, mean))
        chain += [f"if going and {mean} is not None:", "    present = True",
                  f"    if {mean} >= {threshold}: achieved = {level}",
                  f"    else: following = {mean}; going = False"]
    if not levels:
        return [*lines, *chain, *_capped(target)]
    minimums, band_levels = table = band_table(questionnaire.bands(node))
    banded = [f"level_{target} = None if {target} is None else {_band_chain(target, minimums, band_levels)}"] \
        if band_levels else []
    folded = _folded_levels(levels, node.threshold - TOLERANCE, sums.lows, table) if band_levels else None
    capped = f"{target} = result if result < {TOP!r} else {TOP!r}"
    # the means tested as they come: a level without one (None) stops the tests with a TypeError, and the lines
    # that track every level take over (a level the tests never reach is one the tracking lines stop before too)
    return [*lines, "try:",
            *("    " + line for line in _gating_steps(levels, threshold, 0, folded, f"level_{target}")),
            *("    " + line for line in [capped, *([] if folded else banded)]),
            "except TypeError:", *("    " + line for line in [*chain, *_capped(target), *banded])]


# The mean of a level's requirements, worked out in floating point, can fall below their lowest value by a few units
# in the last place (about 1e-15 on 0-5 scores); folding a branch's level allows for far more than that.
MEAN_ROUNDING = 1e-12


def _folded_levels(levels: list, threshold: float, lows: dict, table: tuple) -> list | None:
    """The level of each branch of `_gating_steps` (level k reached, level k+1 missed: a score from k + the lowest
    mean up to k + the threshold; every level reached: the highest), when each branch's scores lie in one band;
    None when one branch's do not (or a mean's lowest value is not known)."""
    found, achieved = [], 0
    for level, mean in levels:
        low = lows.get(mean)
        if low is None or achieved + threshold >= TOP:
            return None
        bottom, top = level_in(table, achieved + (low - MEAN_ROUNDING)), level_in(table, achieved + threshold)
        if bottom != top:
            return None
        found.append(top)
        achieved = level
    return [*found, level_in(table, min(achieved + 0.0, TOP))]


def _gating_steps(levels: list, threshold: str, achieved: int, folded: list | None, level_name: str) -> list[str]:
    """Every level with requirements (the usual case): the levels reached in a row as nested tests, `result` the
    highest reached plus the mean of the first missed (achieved + following, as the lines that track them add), and
    with `folded` (one level per branch) the node's level."""
    if not levels:
        return [f"result = {achieved} + 0.0", *([f"{level_name} = {folded[0]!r}"] if folded else [])]
    (level, mean), *higher = levels
    return [f"if {mean} >= {threshold}:",
            *("    " + line for line in _gating_steps(higher, threshold, level, folded and folded[1:], level_name)),
            "else:", f"    result = {achieved} + {mean}", *([f"    {level_name} = {folded[0]!r}"] if folded else [])]


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
        parts = []  # (domain weight, the name of its requirements' mean)
        for domain_weight, pairs in by_level[level].values():
            written, mean = sums.lines(tuple(pairs))
            lines += written
            parts.append((domain_weight, mean))
        # every domain applicable (the usual case): the domain weights' total and shares are known here
        total = _added(weight for weight, _ in parts)
        shares = [f"{mean} * {_number(weight / total)}" for weight, mean in parts]
        # a domain without a mean (None) raises TypeError: the domains that have one share the weight again
        chain += ["if going:", "    try:", f"        score = 0 + {' + '.join(shares)}", "    except TypeError:",
                  "        score = None",
                  f"        if {' or '.join(f'{mean} is not None' for _, mean in parts)}:", "            total = 0",
                  *(f"            if {mean} is not None: total += {_number(weight)}" for weight, mean in parts),
                  "            score = 0",
                  *(f"            if {mean} is not None: score += {mean} * ({_number(weight)} / total)"
                    for weight, mean in parts),
                  "    if score is not None:", "        present = True",
                  f"        if score >= {threshold}: achieved = {level}",
                  "        else: following = score; going = False"]
    return [*lines, *chain, *_capped(target)]
