"""Read questionnaire files: YAML to validated, cross-checked `Questionnaire` objects."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import ValidationError

from questionnaires.schema import (
    PARADIGMS,
    VARIANT_FIELDS,
    Band,
    Condition,
    Dimension,
    LadderQuestion,
    LinearScale,
    MapScale,
    MultipleQuestion,
    Node,
    NumberQuestion,
    QuestionnaireFile,
    Roadmap,
    SingleQuestion,
    TextQuestion,
    ThresholdScale,
    YesNoQuestion,
)
from questionnaires.vocabulary import INDUSTRY_TYPES, SIZES

DIRECTORY = Path(__file__).parent


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file: where (key path and line) and what."""

    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.key or '(top level)'}: {self.message}"


class QuestionnaireError(Exception):
    """A questionnaire file that cannot be used, with every problem found in it."""

    def __init__(self, path: Path | str, problems: list[Problem]):
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {problem}" for problem in problems))


@dataclass(frozen=True)
class Questionnaire:
    """A loaded questionnaire version with lookups the survey and the scoring need."""

    definition: QuestionnaireFile
    path: str = ""
    questions: dict = field(default_factory=dict)  # question id -> question model
    dimension_of: dict = field(default_factory=dict)  # question id -> dimension id
    nodes: dict = field(default_factory=dict)  # node id -> Node
    node_order: tuple = ()  # node ids, every node after its inputs

    @property
    def id(self) -> str:
        """The questionnaire id."""
        return self.definition.id

    @property
    def version(self) -> str:
        """The questionnaire version."""
        return self.definition.version

    @property
    def dimensions(self) -> list[Dimension]:
        """The pages, in order."""
        return self.definition.dimensions

    @cached_property
    def paradigm_nodes(self) -> dict[str, Node]:
        """Paradigm name -> its scoring node, in the canonical paradigm order."""
        by_paradigm = {node.paradigm: node for node in self.nodes.values() if node.kind == "paradigm"}
        return {paradigm: by_paradigm[paradigm] for paradigm in PARADIGMS if paradigm in by_paradigm}

    @property
    def has_paradigms(self) -> bool:
        """Whether the file scores the three paradigms (a file has all three paradigm nodes or none)."""
        return bool(self.paradigm_nodes)

    @cached_property
    def score_tops(self) -> dict[str, float]:
        """Node id -> the highest score it can give (5 for CMMM or IMPULS levels, 100 for progress or DMA scores):
        the top of the axis its score is drawn and compared on."""
        tops: dict[str, float] = {}
        for node_id in self.node_order:
            node = self.nodes[node_id]
            inputs = [(self._input_top(source.ref, tops), source.weight) for source in node.inputs]
            if node.rule == "progress":
                tops[node_id] = 100.0
            elif node.rule == "gating":
                tops[node_id] = 5.0
            elif node.rule == "sum":
                total = sum(top * max(w.values()) if isinstance(w, dict) else top * w for top, w in inputs)
                tops[node_id] = total if node.cap is None else min(node.cap, total)
            else:  # weighted mean and min never exceed their highest input
                tops[node_id] = max(top for top, _weight in inputs)
        return tops

    def _input_top(self, ref: str, tops: dict[str, float]) -> float:
        if ref in tops:
            return tops[ref]
        question = self.questions[ref]
        scale = self.definition.scales.get(question.scale) if question.scale else None
        if scale is None:  # a ladder scores its level
            return 5.0
        if isinstance(scale, ThresholdScale):
            return max(step.value for step in scale.steps)
        if isinstance(scale, LinearScale):
            return max(scale.to)
        if isinstance(question, MultipleQuestion):
            ticked = sum(max(0.0, scale.values[option.id]) for option in question.options)
            return ticked if scale.cap is None else min(scale.cap, ticked)
        return max(scale.values.values())

    @cached_property
    def conditional(self) -> tuple:
        """(question id, condition) of every question shown only sometimes, in file order."""
        return tuple((qid, question.show_if) for qid, question in self.questions.items() if question.show_if)

    @cached_property
    def overall_node(self) -> Node:
        """The single overall node."""
        return next(node for node in self.nodes.values() if node.kind == "overall")

    @cached_property
    def standard_node(self) -> Node | None:
        """The node that computes a framework's level by that framework's own rule, when there is one: a node of
        kind 'standard' (the CMMM level beside a readiness index), or the overall node when it declares the
        framework (a questionnaire that is that framework). Published level shares are compared with it only."""
        found = next((node for node in self.nodes.values() if node.kind == "standard"), None)
        return found or (self.overall_node if self.overall_node.standard else None)

    @cached_property
    def requirement_levels(self) -> dict[str, int]:
        """Question id -> the level of the requirement it rates, for the questions that gating nodes read."""
        return {source.ref: source.level for node in self.nodes.values() if node.rule == "gating"
                for source in node.inputs if source.ref in self.questions}

    def requirement_level_name(self, level: int) -> Band | None:
        """The band naming a requirement level (the standard's level names, e.g. 规划级), when there is one."""
        node = self.standard_node or next((n for n in self.nodes.values() if n.rule == "gating"), None)
        return next((band for band in self.bands(node) if band.level == level), None) if node else None

    def bands(self, node: Node) -> list[Band]:
        """The bands of a node, empty when it has none."""
        return self.definition.bands.get(node.bands, []) if node.bands else []

    def __repr__(self) -> str:
        counts = f"{len(self.dimensions)} dimensions, {len(self.questions)} questions"
        return f"<Questionnaire {self.id} {self.version}: {counts}>"


def load_questionnaire(path: Path | str) -> Questionnaire:
    """Load one file; raise `QuestionnaireError` listing every problem with key path and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise QuestionnaireError(path, [Problem("", f"cannot read file: {error.strerror}")]) from None
    try:
        document = _parse(text)
        raw = document.value
        lines = _line_index(document.node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = Problem("", f"not valid YAML: {getattr(error, 'problem', error)}", line)
        raise QuestionnaireError(path, [problem]) from None
    if not isinstance(raw, dict):
        raise QuestionnaireError(path, [Problem("", "the file must hold a mapping of keys")])
    try:
        definition = QuestionnaireFile.model_validate(raw)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            key = _key_path(item["loc"])
            problems.append(Problem(key, item["msg"], _nearest_line(lines, key)))
        raise QuestionnaireError(path, problems) from None
    problems = list(_cross_check(definition))
    if problems:
        raise QuestionnaireError(path, [Problem(p.key, p.message, _nearest_line(lines, p.key)) for p in problems])
    return _index(definition, str(path))


@dataclass(frozen=True)
class _Document:
    """A YAML document: its node tree (which knows the line of every key) and the plain values built from it."""

    node: yaml.Node | None
    value: object


# libyaml's parser when PyYAML was built with it (Debian's and the wheels are): about 13 times faster
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> _Document:
    """Parse once: the node tree gives the lines for error messages, and the values are constructed from it."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return _Document(node, join_folded_texts(loader.construct_document(node)) if node is not None else None)
    finally:
        loader.dispose()


# Han characters, CJK punctuation (、。《》…) and full-width forms (，：（）…): written without spaces between them
_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_QUOTES = "\u2018\u2019\u201c\u201d"  # ‘’“”: Chinese text quotes with them too, but so does English
_SPACE_IN_CJK = re.compile(f"(?<=[{_CJK}]) +(?=[{_CJK}{_QUOTES}])|(?<=[{_QUOTES}]) +(?=[{_CJK}])")


def join_cjk(text: str) -> str:
    """A text without the spaces YAML's folding (`>-`) leaves between two Chinese characters or punctuation marks:
    "和 新一代" → "和新一代", "冶金、 建材" → "冶金、建材", "“智能工厂” 对应" → "“智能工厂”对应"; spaces beside a
    Latin word ("5G 网络") and between two quotes stay."""
    return _SPACE_IN_CJK.sub("", text)


def join_folded_texts(value):
    """Every text inside a loaded YAML value (mappings, lists, strings) through `join_cjk`; other values as they are."""
    if isinstance(value, str):
        return join_cjk(value)
    if isinstance(value, dict):
        return {key: join_folded_texts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [join_folded_texts(item) for item in value]
    return value


def load_directory(directory: Path | str = DIRECTORY) -> dict[tuple[str, str], Questionnaire]:
    """Load every `*.yaml` in a folder; raise on the first malformed file."""
    catalog = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        questionnaire = load_questionnaire(path)
        key = (questionnaire.id, questionnaire.version)
        if key in catalog:
            raise QuestionnaireError(path, [Problem("id", f"{key[0]} {key[1]} is also defined in {catalog[key].path}")])
        catalog[key] = questionnaire
    return catalog


def check_files(paths: Iterable[Path | str]) -> dict[str, list[str]]:
    """Check files and return, per path, its problems as text (an empty list when it is fine)."""
    report = {}
    for path in paths:
        try:
            load_questionnaire(path)
            report[str(path)] = []
        except QuestionnaireError as error:
            report[str(path)] = [str(problem) for problem in error.problems]
    return report


def check_report(paths: Iterable[Path | str], directory: Path | str) -> tuple[list[str], bool]:
    """What `questionnaires check` prints, and whether any problem was found.

    No paths: every `*.yaml` of `directory`, and then the folder as the app loads it (two files may not define the
    same version). Raises `FileNotFoundError` when that folder holds no questionnaire file."""
    paths = list(paths)
    whole_directory = not paths
    if whole_directory:
        paths = sorted(Path(directory).glob("*.yaml"))
        if not paths:
            raise FileNotFoundError(f"no *.yaml questionnaire files in {directory}")
    lines, failed = [], False
    for path, problems in check_files(paths).items():
        lines += [f"{path}: {problem}" for problem in problems] or [f"{path}: ok"]
        failed = failed or bool(problems)
    if whole_directory and not failed:
        try:
            load_directory(directory)
        except QuestionnaireError as error:
            lines.append(str(error))
            failed = True
    return lines, failed


def _key_path(location: tuple) -> str:
    """A pydantic error location as the key path in the file.

    pydantic puts the tag of a tagged union (a question's type, a scale's kind) into the location right after the
    list index or mapping key of the union's value; the file has no such key, so it is left out."""
    parts = [
        part
        for position, part in enumerate(location)
        if not (position >= 2 and location[position - 2] in ("questions", "scales") and isinstance(part, str))
    ]
    return ".".join(str(part) for part in parts)


def _line_index(node: yaml.Node | None, prefix: str = "", index: dict[str, int] | None = None) -> dict[str, int]:
    """Key path -> 1-based line where it starts in the file."""
    index = {} if index is None else index
    if node is None:
        return index
    index.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            index[key] = key_node.start_mark.line + 1
            _line_index(value_node, key, index)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _line_index(item, f"{prefix}.{position}" if prefix else str(position), index)
    return index


def _nearest_line(lines: dict[str, int], key: str) -> int | None:
    """The line of a key path, or of its closest ancestor present in the file."""
    parts = key.split(".") if key else []
    while parts:
        line = lines.get(".".join(parts))
        if line:
            return line
        parts.pop()
    return None


def _cross_check(q: QuestionnaireFile) -> Iterable[Problem]:
    """Everything a single field cannot say: ids, references, scales, conditions, the shape of the tree."""
    questions: dict[str, tuple[str, object]] = {}
    for d, dimension in enumerate(q.dimensions):
        for i, question in enumerate(dimension.questions):
            key = f"dimensions.{d}.questions.{i}"
            if question.id in questions:
                yield Problem(f"{key}.id", f"question id '{question.id}' is used twice")
            yield from _check_question(q, question, key, questions)
            questions[question.id] = (key, question)
    yield from _check_bands(q)
    dimension_ids = [dimension.id for dimension in q.dimensions]
    for d, dimension_id in enumerate(dimension_ids):
        if dimension_ids.index(dimension_id) != d:
            yield Problem(f"dimensions.{d}.id", f"dimension id '{dimension_id}' is used twice")
    yield from _check_nodes(q, questions, set(dimension_ids))
    yield from _check_consistency(q, {qid: question for qid, (_, question) in questions.items()})
    if q.roadmap is not None:
        yield from _check_roadmap(q.roadmap, dimension_ids)
        if not any(node.kind == "paradigm" for node in q.scoring.nodes):
            yield Problem("roadmap.paradigm_levels", "a roadmap names the level of each paradigm: it needs the "
                          "three paradigm nodes in 'scoring.nodes'")
        yield from _check_roadmap_answers(q.roadmap, {qid: question for qid, (_, question) in questions.items()})
        if q.roadmap.format >= 2:
            yield from _check_variants_reachable(q.roadmap)
            yield from _check_action_benefits(q.roadmap)
            yield from _check_paradigm_levels(q)


def _check_question(q: QuestionnaireFile, question, key: str, earlier: dict) -> Iterable[Problem]:
    """One question: its scale fits its type, its condition points back to an earlier answer."""
    scale_name = getattr(question, "scale", None)
    if scale_name is not None:
        scale = q.scales.get(scale_name)
        if scale is None:
            yield Problem(f"{key}.scale", f"unknown scale '{scale_name}' (declared: {', '.join(q.scales) or 'none'})")
        else:
            yield from _check_scale_fits(question, scale, scale_name, key)
    condition = question.show_if
    if condition is None:
        return
    if condition.question not in earlier:
        yield Problem(f"{key}.show_if.question", f"'{condition.question}' is not a question earlier in the file")
        return
    yield from _check_condition(condition, earlier[condition.question][1], f"{key}.show_if")


def _check_condition(condition: Condition, target, key: str) -> Iterable[Problem]:
    """A condition's test fits the question it reads (`key`: the condition's key path)."""
    if isinstance(target, SingleQuestion | MultipleQuestion):
        option_ids = {option.id for option in target.options}
        wanted = [condition.equals] if condition.equals is not None else (condition.one_of or [])
        for value in wanted:
            if value not in option_ids:
                yield Problem(key, f"'{value}' is not an option of '{target.id}'")
        if condition.at_least is not None:
            yield Problem(f"{key}.at_least", f"'{target.id}' is a choice question, not a number")
    elif isinstance(target, YesNoQuestion) and not isinstance(condition.equals, bool):
        yield Problem(f"{key}.equals", f"'{target.id}' is a yes/no question: use true or false")
    elif isinstance(target, TextQuestion):
        yield Problem(f"{key}.question", f"'{target.id}' is free text and cannot be a condition")


def _check_consistency(q: QuestionnaireFile, questions: dict) -> Iterable[Problem]:
    """Each consistency rule has its own id and two conditions that read questions of the file with values their
    answers can take (a rule that can never fire would hide a typo)."""
    seen: set[str] = set()
    for r, rule in enumerate(q.consistency):
        key = f"consistency.{r}"
        if rule.id in seen:
            yield Problem(f"{key}.id", f"consistency rule id '{rule.id}' is used twice")
        seen.add(rule.id)
        for side in ("answer", "contradicts"):
            condition = getattr(rule, side)
            where = f"{key}.{side}"
            if condition.question not in questions:
                yield Problem(f"{where}.question", f"'{condition.question}' is not a question of this file")
                continue
            target = questions[condition.question]
            yield from _check_condition(condition, target, where)
            if isinstance(target, LadderQuestion | NumberQuestion):
                yield from _check_condition_range(condition, target, where)


def _check_condition_range(condition: Condition, target, key: str) -> Iterable[Problem]:
    """A condition on a ladder or a number names values its answers can take: levels 0-5, or numbers within the
    question's bounds."""
    if isinstance(target, LadderQuestion):
        low, high, what = 0, 5, "a level from 0 to 5"
    else:
        low, high, what = target.min, target.max, f"a number from {target.min:g} to {target.max:g}"
    wanted = [("equals", condition.equals)] if condition.equals is not None else []
    wanted += [(f"one_of.{i}", value) for i, value in enumerate(condition.one_of or [])]
    wanted += [("at_least", condition.at_least)] if condition.at_least is not None else []
    for name, value in wanted:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        whole = not isinstance(target, LadderQuestion) or (number and value == int(value))
        if not (number and whole and low <= value <= high):
            yield Problem(f"{key}.{name}", f"{value!r} is not an answer '{target.id}' can take: expected {what}")


def _check_scale_fits(question, scale, scale_name: str, key: str) -> Iterable[Problem]:
    """A scale must give a number for every answer its question can take."""
    if isinstance(question, NumberQuestion):
        if isinstance(scale, MapScale):
            yield Problem(f"{key}.scale",
                          f"number questions need a 'thresholds' or 'linear' scale; '{scale_name}' is a map")
        return
    if not isinstance(scale, MapScale):
        yield Problem(f"{key}.scale", f"'{scale_name}' is a {scale.kind} scale; only number questions can use one")
        return
    if isinstance(question, SingleQuestion | MultipleQuestion):
        needed = {option.id for option in question.options}
    elif isinstance(question, YesNoQuestion):
        needed = {"yes", "no"}
    elif isinstance(question, LadderQuestion):
        needed = {str(level) for level in range(6)}
    else:
        yield Problem(f"{key}.scale", "free-text questions are never scored")
        return
    missing = sorted(needed - set(scale.values))
    if missing:
        yield Problem(f"{key}.scale", f"scale '{scale_name}' has no value for {', '.join(missing)}")


def _check_bands(q: QuestionnaireFile) -> Iterable[Problem]:
    """Bands ascend and name each level once."""
    for name, bands in q.bands.items():
        mins = [band.min for band in bands]
        if mins != sorted(mins) or len(set(mins)) != len(mins):
            yield Problem(f"bands.{name}", "bands must be listed with strictly ascending 'min'")
        levels = [band.level for band in bands]
        if len(set(levels)) != len(levels):
            yield Problem(f"bands.{name}", "a level appears in two bands")


def _check_nodes(q: QuestionnaireFile, questions: dict, dimension_ids: set[str]) -> Iterable[Problem]:
    """The scoring tree: references, rules' own keys, profiles, one node per page and paradigm, no cycle."""
    nodes = {}
    for n, node in enumerate(q.scoring.nodes):
        key = f"scoring.nodes.{n}"
        if node.id in nodes or node.id in questions:
            yield Problem(f"{key}.id", f"id '{node.id}' is already used by another node or question")
        nodes[node.id] = node
        yield from _check_node(q, node, key, questions)
    kinds = [node.kind for node in nodes.values()]
    if kinds.count("overall") != 1:
        found = kinds.count("overall")
        yield Problem("scoring.nodes", f"there must be exactly one node of kind 'overall', found {found}")
    paradigms = [node.paradigm for node in nodes.values() if node.kind == "paradigm"]
    if paradigms:  # all three paradigms or none: a file without them (IMPULS, the EU DMA) scores dimensions only
        for paradigm in PARADIGMS:
            if paradigms.count(paradigm) != 1:
                yield Problem("scoring.nodes", f"there must be exactly one paradigm node for '{paradigm}'")
    if kinds.count("standard") > 1:
        found = kinds.count("standard")
        yield Problem("scoring.nodes", f"there may be at most one node of kind 'standard', found {found}")
    yield from _check_levels(q, nodes)
    dimension_nodes = {node.id for node in nodes.values() if node.kind == "dimension"}
    for missing in sorted(dimension_ids - dimension_nodes):
        yield Problem("scoring.nodes", f"dimension page '{missing}' has no scoring node of kind 'dimension'")
    for extra in sorted(dimension_nodes - dimension_ids):
        yield Problem("scoring.nodes", f"dimension node '{extra}' has no page in 'dimensions'")
    for n, node in enumerate(q.scoring.nodes):
        for i, source in enumerate(node.inputs):
            if source.ref not in nodes and source.ref not in questions:
                yield Problem(f"scoring.nodes.{n}.inputs.{i}.ref", f"'{source.ref}' is neither a question nor a node")
    cycle = _find_cycle(nodes)
    if cycle:
        yield Problem("scoring.nodes", f"the scoring tree has a cycle: {' -> '.join(cycle)}")


def _check_levels(q: QuestionnaireFile, nodes: dict[str, Node]) -> Iterable[Problem]:
    """A standard's level node reads the requirements of gating nodes, and is the only node that does so."""
    for n, node in enumerate(q.scoring.nodes):
        key = f"scoring.nodes.{n}"
        if (node.kind == "standard") != (node.rule == "levels"):
            yield Problem(f"{key}.rule", "nodes of kind 'standard' use the rule 'levels', and only they do")
        if node.kind == "standard" and node.standard is None:
            yield Problem(f"{key}.standard", "'standard' (the framework's name) is required on standard nodes")
        if node.kind not in ("standard", "overall") and node.standard is not None:
            yield Problem(f"{key}.standard", "'standard' belongs on the standard node or the overall node only")
        if node.rule != "levels":
            continue
        for i, source in enumerate(node.inputs):
            domain = nodes.get(source.ref)
            if domain is None or domain.rule != "gating":
                yield Problem(f"{key}.inputs.{i}.ref", f"'{source.ref}' is not a node of rule 'gating': the "
                              "levels rule reads the requirements of gating nodes")


def _check_node(q: QuestionnaireFile, node: Node, key: str, questions: dict) -> Iterable[Problem]:
    """One node's keys make sense for its kind and rule."""
    if node.bands and node.bands not in q.bands:
        yield Problem(f"{key}.bands", f"unknown bands '{node.bands}'")
    if (node.kind == "paradigm") != (node.paradigm is not None):
        yield Problem(f"{key}.paradigm", "'paradigm' is required on paradigm nodes and only there")
    if node.rule == "progress":
        if node.range is None or node.range[0] >= node.range[1]:
            yield Problem(f"{key}.range", "the progress rule needs 'range: [low, high]' with low < high")
    elif node.range is not None:
        yield Problem(f"{key}.range", "'range' belongs to the progress rule only")
    profiles = q.scoring.profiles
    for i, source in enumerate(node.inputs):
        where = f"{key}.inputs.{i}"
        if (node.rule == "gating") != (source.level is not None):
            yield Problem(f"{where}.level", "gating inputs need a 'level'; other rules take none")
        if isinstance(source.weight, dict):
            if profiles is None:
                yield Problem(f"{where}.weight", "weights per profile need 'scoring.profiles'")
            elif set(source.weight) != set(profiles.values):
                yield Problem(f"{where}.weight", f"give one weight for each profile: {', '.join(profiles.values)}")
        weights = source.weight.values() if isinstance(source.weight, dict) else [source.weight]
        if any(weight < 0 for weight in weights):
            yield Problem(f"{where}.weight", "weights cannot be negative")
        if source.ref in questions:
            question = questions[source.ref][1]
            if not question.scored:
                yield Problem(f"{where}.ref", f"question '{source.ref}' is not scored (free text or no scale)")
    if profiles and profiles.default not in profiles.values:
        yield Problem("scoring.profiles.default", f"'{profiles.default}' is not one of the profile values")


def _check_roadmap(roadmap: Roadmap, dimension_ids: list[str]) -> Iterable[Problem]:
    """The roadmap names real dimensions, has one action per dimension and level, and no prerequisite cycle."""
    known = set(dimension_ids)
    for dimension_id in roadmap.dimension_goals:
        if dimension_id not in known:
            yield Problem(f"roadmap.dimension_goals.{dimension_id}", f"'{dimension_id}' is not a dimension")
    for missing in [d for d in dimension_ids if d not in roadmap.dimension_goals]:
        yield Problem("roadmap.dimension_goals", f"dimension '{missing}' has no business goals")
    seen: dict[tuple[str, int], int] = {}
    for a, action in enumerate(roadmap.actions):
        key = f"roadmap.actions.{a}"
        if action.dimension not in known:
            yield Problem(f"{key}.dimension", f"'{action.dimension}' is not a dimension")
        step = (action.dimension, action.level)
        if step in seen:
            yield Problem(f"{key}.level", f"'{action.dimension}' level {action.level} already has action {seen[step]}")
        seen[step] = a
        audiences = [variant.when for variant in action.variants]
        for v, audience in enumerate(audiences):
            if audiences.index(audience) != v:
                yield Problem(f"{key}.variants.{v}.when", "another variant of this action has the same audience")
    for dimension_id in dimension_ids:
        absent = [str(level) for level in range(1, 6) if (dimension_id, level) not in seen]
        if absent:
            yield Problem("roadmap.actions", f"dimension '{dimension_id}' has no action for level {', '.join(absent)}")
    for p, prerequisite in enumerate(roadmap.prerequisites):
        key = f"roadmap.prerequisites.{p}"
        for field_name in ("dimension", "requires"):
            if getattr(prerequisite, field_name) not in known:
                yield Problem(f"{key}.{field_name}", f"'{getattr(prerequisite, field_name)}' is not a dimension")
        if prerequisite.requires == prerequisite.dimension:
            yield Problem(f"{key}.requires", "a dimension cannot be its own prerequisite")
    cycle = _find_step_cycle(roadmap)
    if cycle:
        steps = " -> ".join(f"{dimension} level {level}" for dimension, level in cycle)
        yield Problem("roadmap.prerequisites", f"the prerequisites have a cycle: {steps}")


def _check_paradigm_levels(q: QuestionnaireFile) -> Iterable[Problem]:
    """The level the roadmap plans for to reach a paradigm is the level at which its progress node reads 100 %: one
    reading of the levels, not two (format 2)."""
    for node in q.scoring.nodes:
        if node.kind != "paradigm" or node.range is None or node.paradigm not in q.roadmap.paradigm_levels:
            continue
        planned = q.roadmap.paradigm_levels[node.paradigm]
        if planned != node.range[1]:
            yield Problem(f"roadmap.paradigm_levels.{node.paradigm}",
                          f"the roadmap reaches '{node.paradigm}' at level {planned}, but its paradigm node "
                          f"'{node.id}' reads 100 % only at {node.range[1]:g} (its range's top): make them agree")


def _check_roadmap_answers(roadmap: Roadmap, questions: dict) -> Iterable[Problem]:
    """Each `done_if` condition reads a question of the file and tests it in a way its answers allow."""
    for a, action in enumerate(roadmap.actions):
        for c, condition in enumerate(action.done_if or ()):
            key = f"roadmap.actions.{a}.done_if.{c}"
            if condition.question not in questions:
                yield Problem(f"{key}.question", f"'{condition.question}' is not a question of this file")
                continue
            yield from _check_condition(condition, questions[condition.question], key)


def _check_variants_reachable(roadmap: Roadmap) -> Iterable[Problem]:
    """Format 2: every variant gives at least one of its fields to some enterprise (industry type and size class,
    or no size class known); otherwise more specific variants take all of them and it can never be chosen."""
    audiences = [(industry, size) for industry in INDUSTRY_TYPES for size in (*SIZES, None)]
    for a, action in enumerate(roadmap.actions):
        chosen = set()
        for industry, size in audiences:
            chosen.update(action.field_sources(industry, size, combine=True).values())
        for v, variant in enumerate(action.variants):
            if v in chosen:
                continue
            matched = [(i, s) for i, s in audiences if variant.when.matches(i, s)]
            why = (
                "it matches no enterprise"
                if not matched
                else "it sets no field" if not any(getattr(variant, name) is not None for name in VARIANT_FIELDS)
                else "for every enterprise it matches, more specific variants (or earlier ones as specific) set each "
                "of its fields"
            )
            yield Problem(f"roadmap.actions.{a}.variants.{v}.when", f"this variant can never be chosen: {why}")


def _check_action_benefits(roadmap: Roadmap) -> Iterable[Problem]:
    """Format 2: an action's benefit is what the step brings this enterprise, never a study's figure: no source and
    no percentage. Published figures go once into `roadmap.benefit_context`, with their caveat."""
    for a, action in enumerate(roadmap.actions):
        benefits = [(f"roadmap.actions.{a}.benefit", action.benefit)]
        benefits += [(f"roadmap.actions.{a}.variants.{v}.benefit", variant.benefit)
                     for v, variant in enumerate(action.variants)]
        for key, benefit in benefits:
            if benefit is None:
                continue
            if benefit.source is not None or "%" in benefit.text.en + benefit.text.zh:
                yield Problem(key, "an action's benefit may not quote figures or a source: published figures belong "
                              "in roadmap.benefit_context, shown once with their caveat")


def _find_step_cycle(roadmap: Roadmap) -> list[tuple[str, int]] | None:
    """A cycle among level steps, each needing the level below it and its prerequisites, or None."""
    needs: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for prerequisite in roadmap.prerequisites:
        step = (prerequisite.dimension, prerequisite.level)
        needs.setdefault(step, []).append((prerequisite.requires, prerequisite.at_least))
    state: dict[tuple[str, int], int] = {}
    stack: list[tuple[str, int]] = []

    def visit(step: tuple[str, int]) -> list[tuple[str, int]] | None:
        state[step] = 1
        stack.append(step)
        below = [(step[0], step[1] - 1)] if step[1] > 1 else []
        for required in below + needs.get(step, []):
            if state.get(required) == 1:
                return stack[stack.index(required) :] + [required]
            if required not in state:
                found = visit(required)
                if found:
                    return found
        stack.pop()
        state[step] = 2
        return None

    for step in sorted(needs):
        if step not in state:
            found = visit(step)
            if found:
                return found
    return None


def _find_cycle(nodes: dict[str, Node]) -> list[str] | None:
    """A cycle among node references, as the list of ids around it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node_id: str) -> list[str] | None:
        state[node_id] = 1
        stack.append(node_id)
        for source in nodes[node_id].inputs:
            if source.ref not in nodes:
                continue
            if state.get(source.ref) == 1:
                return stack[stack.index(source.ref) :] + [source.ref]
            if source.ref not in state:
                found = visit(source.ref)
                if found:
                    return found
        stack.pop()
        state[node_id] = 2
        return None

    for node_id in nodes:
        if node_id not in state:
            found = visit(node_id)
            if found:
                return found
    return None


def _index(definition: QuestionnaireFile, path: str) -> Questionnaire:
    """Build the lookups of a questionnaire that passed every check."""
    questions, dimension_of = {}, {}
    for dimension in definition.dimensions:
        for question in dimension.questions:
            questions[question.id] = question
            dimension_of[question.id] = dimension.id
    nodes = {node.id: node for node in definition.scoring.nodes}
    order: list[str] = []
    seen: set[str] = set()

    def place(node_id: str) -> None:
        if node_id in seen:
            return
        seen.add(node_id)
        for source in nodes[node_id].inputs:
            if source.ref in nodes:
                place(source.ref)
        order.append(node_id)

    for node_id in nodes:
        place(node_id)
    return Questionnaire(definition, path, questions, dimension_of, nodes, tuple(order))
