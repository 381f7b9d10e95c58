"""The roadmap engine: from a scored assessment and its benchmark comparison to an ordered, phased plan.

Plain code over plain objects. For each dimension the enterprise (or its consultant) picks a target: the next
level, the cohort's upper quartile, its best in class (90th percentile), or the level that reaches a paradigm.
Every gap gets a priority made of four parts, each between 0 and 1, weighted as the questionnaire declares:

    priority = w_gap * gap + w_weight * weight + w_cohort * cohort + w_goals * goals

    gap     how far the score is below the target score, over the 0-5 scale: (target - score) / 5
    weight  the dimension's weight in the overall score for the enterprise's industry type, over the largest one
    cohort  how far the score is below the cohort median, over the scale: max(0, median - score) / 5
    goals   the share of the enterprise's chosen business goals the dimension serves

The level steps needed to reach each target, together with the steps their prerequisites need first, are then
scheduled like a small project: a step starts when the level below it and its prerequisites are done, at most
`parallel_tracks` dimensions move at once, and among the steps ready to start the one with the highest priority
goes first (a prerequisite carries the priority of the highest step that waits for it). Phases (0-6, 6-18, 18-36
months, ...) take the steps that start in them and are named after the paradigm work they hold.

A step whose action declares `done_if` conditions that the answers meet is in place already: it is never planned,
the dimension's next-level target moves past it, and the plan lists it with the answers that show it
(`Plan.in_place`). The published benefit figures the roadmap declares travel once with the plan, with their caveat
(`Plan.benefit_context`), never inside an action.

The same inputs always give the same plan: every choice falls back to the page order of the dimensions.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from assessment.answers import condition_met, hidden_questions
from assessment.cohorts.groups import CohortComparison
from assessment.scoring import Result, band_table, level_in
from questionnaires.loader import Questionnaire
from questionnaires.schema import Action, Benefit, BenefitContext, Condition, Roadmap, Text
from questionnaires.vocabulary import GOALS, PARADIGMS

TargetKind = Literal["next_level", "upper_quartile", "best_in_class", "paradigm"]
TARGET_KINDS: tuple[TargetKind, ...] = ("next_level", "upper_quartile", "best_in_class", "paradigm")
SCALE = 5.0  # dimension scores run from 0 to 5


@dataclass(frozen=True)
class Target:
    """What one dimension should reach: a kind, and for kind 'paradigm' which paradigm."""

    kind: TargetKind = "next_level"
    paradigm: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise ValueError(f"unknown target '{self.kind}'")
        if (self.kind == "paradigm") != (self.paradigm in PARADIGMS):
            raise ValueError("a paradigm target names one of digital, networked, intelligent; others name none")

    @classmethod
    def parse(cls, text: str) -> Target:
        """'next_level', 'upper_quartile', 'best_in_class' or 'paradigm:<name>'."""
        kind, _, paradigm = text.partition(":")
        return cls(kind, paradigm or None)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"paradigm:{self.paradigm}" if self.kind == "paradigm" else self.kind


@dataclass(frozen=True)
class Settings:
    """The user's choices: a target per dimension (the default for the others) and business goals."""

    default: Target = Target()
    targets: Mapping[str, Target] = field(default_factory=dict)
    goals: frozenset[str] = frozenset()

    def target(self, dimension_id: str) -> Target:
        """The target of one dimension."""
        return self.targets.get(dimension_id, self.default)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.goals) - set(GOALS))
        if unknown:
            raise ValueError(f"unknown business goal(s): {', '.join(unknown)}")


@dataclass(frozen=True)
class Priority:
    """One dimension's gap and the four parts of its priority, each 0-1, and their weighted sum."""

    dimension: str
    score: float
    level: int
    target: Target
    target_score: float
    target_level: int
    gap: float
    weight: float
    cohort: float | None  # None: no cohort to compare with
    goals: float
    value: float
    note: str = ""  # why the target differs from the one asked for, if it does
    in_place: tuple[int, ...] = ()  # levels between the dimension's and its target's that the answers show done

    @property
    def at_target(self) -> bool:
        """Whether the dimension already has the level its target asks for."""
        return self.level >= self.target_level


@dataclass(frozen=True)
class ActionText:
    """An action's texts for one enterprise: the library entry with its matching variant applied."""

    title: Text
    what: Text
    why: Text
    needs: Text | None
    indicator: Text
    benefit: Benefit | None
    months: int
    variant: str  # which audience the texts were adapted to, "" for the general text


@dataclass(frozen=True)
class Step:
    """One level step in the plan: when it runs, why it is in the plan and what it waits for."""

    dimension: str
    level: int
    action: ActionText
    start: int  # months from now
    end: int
    priority: float  # the priority it was scheduled with
    paradigm: str
    phase: int  # index into Plan.phases
    required_by: tuple[tuple[str, int], ...] = ()  # steps this one was added for, when not asked for itself
    waits_for: tuple[tuple[str, int], ...] = ()  # prerequisite steps of other dimensions in the plan


@dataclass(frozen=True)
class InPlace:
    """A step the plan leaves out because the answers show it is in place: its action and the conditions met."""

    dimension: str
    level: int
    action: ActionText
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Phase:
    """A span of months and the steps that start in it."""

    start: int
    end: int | None  # None: open-ended
    paradigms: tuple[str, ...]
    steps: tuple[Step, ...]
    until: int | None = None  # the month it is shown to end: its end, or the plan's last month when that is sooner

    @property
    def shown_end(self) -> int | None:
        return self.until if self.until is not None else self.end


@dataclass(frozen=True)
class Plan:
    """The whole roadmap."""

    settings: Settings
    weights: Mapping[str, float]  # the priority weights as shares of 1
    priorities: tuple[Priority, ...]  # highest first
    steps: tuple[Step, ...]  # in the order they start
    phases: tuple[Phase, ...]
    parallel_tracks: int
    months: int  # when the last step ends
    cohort_used: bool
    industry_type: str
    size: str | None
    in_place: tuple[InPlace, ...] = ()  # steps left out because the answers show them done, in page order
    benefit_context: BenefitContext | None = None  # published figures, shown once beside the plan


def priority_weights(roadmap: Roadmap) -> dict[str, float]:
    """The declared weights as shares of their sum."""
    declared = roadmap.priority_weights
    raw = {"gap": declared.gap, "weight": declared.weight, "cohort": declared.cohort, "goals": declared.goals}
    total = sum(raw.values())
    return {name: value / total for name, value in raw.items()}


def resolve_action(action: Action, industry_type: str | None, size: str | None, combine: bool = False) -> ActionText:
    """The action's texts for one enterprise, with its matching variants applied (`Action.field_sources`).

    combine: the roadmap's format 2, where every matching variant applies field by field, the more specific one
    winning; format 1 takes the single most specific matching variant."""
    sources = action.field_sources(industry_type, size, combine)
    fields = {name: getattr(action, name) for name in ("title", "what", "why", "needs", "indicator", "benefit")}
    months = action.months
    for name, v in sources.items():
        if name == "months":
            months = action.variants[v].months or months
        else:
            fields[name] = getattr(action.variants[v], name)
    labels = []
    for v in sorted(set(sources.values())):
        audience = action.variants[v].when
        parts = [audience.industry_type or ""] + list(audience.sizes or [])
        labels.append(" ".join(part for part in parts if part))
    return ActionText(**fields, months=months, variant=" + ".join(labels))


def dimension_weights(questionnaire: Questionnaire, profile: str | None) -> dict[str, float]:
    """Each dimension's weight in the overall score for a weight profile, over the largest weight."""
    profiles = questionnaire.definition.scoring.profiles
    profile = profile or (profiles.default if profiles else None)
    weights = {}
    for source in questionnaire.overall_node.inputs:
        weight = source.weight
        weights[source.ref] = weight.get(profile, 0.0) if isinstance(weight, dict) else weight
    largest = max(weights.values(), default=0.0) or 1.0
    return {dimension.id: weights.get(dimension.id, 0.0) / largest for dimension in questionnaire.dimensions}


def build_plan(
    questionnaire: Questionnaire,
    result: Result,
    comparison: CohortComparison | None,
    settings: Settings,
    *,
    industry_type: str,
    size: str | None,
) -> Plan:
    """The plan for one scored assessment; raise ValueError when the questionnaire declares no roadmap."""
    roadmap = questionnaire.definition.roadmap
    if roadmap is None:
        raise ValueError(f"questionnaire {questionnaire.id} declares no roadmap")
    weights = priority_weights(roadmap)
    actions = {(action.dimension, action.level): action for action in roadmap.actions}
    already = steps_in_place(questionnaire, result)
    priorities = _priorities(questionnaire, roadmap, result, comparison, settings, weights, industry_type, already)
    order = {dimension.id: position for position, dimension in enumerate(questionnaire.dimensions)}
    ranked = tuple(sorted(priorities.values(), key=lambda p: (-round(p.value, 9), order[p.dimension])))
    wanted, required_by, skipped = _steps_needed(roadmap, priorities, already)
    combine = roadmap.format >= 2
    steps = _schedule(roadmap, priorities, wanted, required_by, order, actions, industry_type, size, combine, already)
    phases = _phases(roadmap, steps)
    steps.sort(key=lambda s: (s.start, -s.priority, order[s.dimension], s.level))
    steps = tuple(_with_phase(step, phases) for step in steps)
    months = max((step.end for step in steps), default=0)
    # a plan of 12 months shows its last phase as months 6-12, not the declared 6-18 it never reaches
    phases = tuple(
        Phase(phase.start, phase.end, phase.paradigms, tuple(s for s in steps if s.phase == index),
              until=months if phase.end is None or months < phase.end else phase.end)
        for index, phase in enumerate(phases)
    )
    return Plan(
        settings=settings,
        weights=weights,
        priorities=ranked,
        steps=steps,
        phases=phases,
        parallel_tracks=roadmap.parallel_tracks,
        months=months,
        cohort_used=comparison is not None,
        industry_type=industry_type,
        size=size,
        in_place=tuple(
            InPlace(d, level, resolve_action(actions[(d, level)], industry_type, size, combine),
                    tuple(actions[(d, level)].done_if or ()))
            for d, level in sorted(skipped, key=lambda s: (order[s[0]], s[1]))
        ),
        benefit_context=roadmap.benefit_context,
    )


def steps_in_place(questionnaire: Questionnaire, result: Result) -> set[tuple[str, int]]:
    """The (dimension, level) steps whose action's `done_if` conditions all hold for the answers given.

    An answer to a question hidden by its own condition does not count, as in scoring."""
    roadmap = questionnaire.definition.roadmap
    if roadmap is None:
        return set()
    hidden = hidden_questions(questionnaire, result.answers)
    answers = {qid: answer for qid, answer in result.answers.items() if qid not in hidden}
    return {
        (action.dimension, action.level)
        for action in roadmap.actions
        if action.done_if and all(condition_met(condition, answers) for condition in action.done_if)
    }


def _priorities(
    questionnaire: Questionnaire,
    roadmap: Roadmap,
    result: Result,
    comparison: CohortComparison | None,
    settings: Settings,
    weights: Mapping[str, float],
    industry_type: str,
    already: set[tuple[str, int]],
) -> dict[str, Priority]:
    """Target and priority of every scored dimension."""
    bands = questionnaire.bands(questionnaire.nodes[questionnaire.dimensions[0].id])
    table = band_table(bands)
    band_min = {band.level: band.min for band in bands}
    dimension_weight = dimension_weights(questionnaire, result.profile or industry_type)
    priorities = {}
    for dimension in questionnaire.dimensions:
        node = result.nodes[dimension.id]
        if node.score is None or node.level is None:
            continue  # nothing answered that scores: no gap to plan for
        target = settings.target(dimension.id)
        cohort = comparison.nodes.get(dimension.id) if comparison else None
        in_place = {level for d, level in already if d == dimension.id}
        target_score, target_level, note = _target(
            target, node.score, node.level, cohort, roadmap, band_min, table, in_place
        )
        goals = set(roadmap.dimension_goals.get(dimension.id, ()))
        parts = {
            "gap": max(0.0, target_score - node.score) / SCALE,
            "weight": dimension_weight[dimension.id],
            "cohort": max(0.0, cohort.median - node.score) / SCALE if cohort else 0.0,
            "goals": len(goals & settings.goals) / len(settings.goals) if settings.goals else 0.0,
        }
        priorities[dimension.id] = Priority(
            dimension=dimension.id,
            score=node.score,
            level=node.level,
            target=target,
            target_score=target_score,
            target_level=target_level,
            gap=parts["gap"],
            weight=parts["weight"],
            cohort=parts["cohort"] if cohort else None,
            goals=parts["goals"],
            value=sum(weights[name] * parts[name] for name in parts),
            note=note,
            in_place=tuple(level for level in sorted(in_place) if node.level < level < target_level),
        )
    return priorities


def _target(
    target: Target, score: float, level: int, cohort, roadmap: Roadmap, band_min: dict, table, in_place: set[int]
) -> tuple:
    """(target score, target level, note) for one dimension; the next level is the first one whose step is not in
    place already (in_place: levels whose step the answers show done)."""
    top = max(band_min)
    note = ""
    kind = target.kind
    if kind in ("upper_quartile", "best_in_class") and cohort is None:
        kind, note = "next_level", "no_cohort"
    if kind == "next_level":
        target_level = min(level + 1, top)
        while target_level in in_place and target_level < top:
            target_level += 1
        return band_min[target_level], target_level, note
    if kind == "paradigm":
        target_level = roadmap.paradigm_levels[target.paradigm]
        return band_min[target_level], target_level, note
    target_score = cohort.q3 if kind == "upper_quartile" else cohort.p90
    return target_score, level_in(table, target_score), note


def _steps_needed(roadmap: Roadmap, priorities: Mapping[str, Priority], already: set) -> tuple[set, dict, set]:
    """The level steps the targets ask for, plus the steps their prerequisites need first, less those in place.

    Returns the set of (dimension, level) steps, for steps added only as prerequisites the steps they serve, and the
    steps left out because the answers show them in place."""
    level = {dimension: p.level for dimension, p in priorities.items()}
    needs: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for prerequisite in roadmap.prerequisites:
        needs.setdefault((prerequisite.dimension, prerequisite.level), []).append(
            (prerequisite.requires, prerequisite.at_least)
        )
    wanted = {(d, step) for d, p in priorities.items() for step in range(p.level + 1, p.target_level + 1)}
    skipped = wanted & already
    wanted -= already
    required_by: dict[tuple[str, int], set] = {}
    pending = sorted(wanted)
    while pending:
        step = pending.pop()
        for required_dimension, required_level in needs.get(step, ()):
            current = level.get(required_dimension)
            if current is None:
                continue  # an unscored dimension cannot be planned; its prerequisite is skipped
            for extra_level in range(current + 1, required_level + 1):
                extra = (required_dimension, extra_level)
                if extra in already:
                    skipped.add(extra)
                    continue
                required_by.setdefault(extra, set()).add(step)
                if extra not in wanted:
                    wanted.add(extra)
                    pending.append(extra)
    return wanted, {step: served for step, served in required_by.items() if step in wanted}, skipped


def _schedule(
    roadmap: Roadmap,
    priorities: Mapping[str, Priority],
    wanted: set,
    required_by: Mapping,
    order: Mapping[str, int],
    actions: Mapping,
    industry_type: str,
    size: str | None,
    combine: bool,
    already: set,
) -> list[Step]:
    """List scheduling: at each moment start the most urgent ready steps while fewer than `parallel_tracks` run."""
    waits: dict[tuple[str, int], list[tuple[str, int]]] = {step: [] for step in wanted}
    for prerequisite in roadmap.prerequisites:
        for dimension, level in wanted:
            if dimension == prerequisite.dimension and level == prerequisite.level:
                required = (prerequisite.requires, prerequisite.at_least)
                if required in wanted:  # else it is reached already
                    waits[(dimension, level)].append(required)
    effective = _effective_priorities(priorities, wanted, waits)
    texts = {step: resolve_action(actions[step], industry_type, size, combine) for step in wanted}
    paradigm_of = _paradigm_of(roadmap)
    done: dict[tuple[str, int], int] = {step: 0 for step in already}  # step -> month it ends; in place: month 0
    running: list[tuple[int, str, tuple[str, int]]] = []  # heap of (end, dimension, step)
    scheduled: list[Step] = []
    now = 0
    remaining = set(wanted)
    while remaining:
        ready = [step for step in remaining if _is_ready(step, priorities, done, waits)]
        ready.sort(key=lambda s: (-round(effective[s], 9), order[s[0]], s[1]))
        for step in ready:
            if len(running) >= roadmap.parallel_tracks:
                break
            if any(item[1] == step[0] for item in running):
                continue  # one step of a dimension at a time
            end = now + texts[step].months
            heapq.heappush(running, (end, step[0], step))
            remaining.discard(step)
            scheduled.append(
                Step(
                    dimension=step[0],
                    level=step[1],
                    action=texts[step],
                    start=now,
                    end=end,
                    priority=effective[step],
                    paradigm=paradigm_of(step[1]),
                    phase=0,
                    required_by=tuple(sorted(required_by.get(step, ()), key=lambda s: (order[s[0]], s[1]))),
                    waits_for=tuple(waits[step]),
                )
            )
        if not running:
            raise ValueError(f"steps that can never start: {sorted(remaining)}")  # the loader refuses cycles
        now = running[0][0]
        while running and running[0][0] == now:
            _, _, finished = heapq.heappop(running)
            done[finished] = now
    return scheduled


def _is_ready(step, priorities, done, waits) -> bool:
    """A step can start when the level below it is reached and its prerequisite steps are done."""
    dimension, level = step
    below = (dimension, level - 1)
    if level - 1 > priorities[dimension].level and below not in done:
        return False
    return all(required in done for required in waits[step])


def _effective_priorities(priorities: Mapping[str, Priority], wanted: set, waits: Mapping) -> dict:
    """A step's priority: its dimension's, or that of the most urgent step waiting on it if higher."""
    effective = {step: priorities[step[0]].value for step in wanted}
    changed = True
    while changed:  # propagate along "waits for" and "level below"; the graph is acyclic, so this settles
        changed = False
        for step in wanted:
            before = list(waits[step])
            if (step[0], step[1] - 1) in wanted:
                before.append((step[0], step[1] - 1))
            for required in before:
                if effective[required] < effective[step]:
                    effective[required] = effective[step]
                    changed = True
    return effective


def _paradigm_of(roadmap: Roadmap):
    """Level -> the paradigm whose work reaching that level is: the first paradigm whose level it does not exceed."""
    limits = [(roadmap.paradigm_levels[paradigm], paradigm) for paradigm in PARADIGMS]

    def paradigm_of(level: int) -> str:
        for limit, paradigm in limits:
            if level <= limit:
                return paradigm
        return PARADIGMS[-1]

    return paradigm_of


def _phases(roadmap: Roadmap, steps: Iterable[Step]) -> list[Phase]:
    """The declared phases, plus an open-ended one when steps start after the last; each named by its paradigms."""
    bounds = [0, *roadmap.phases]
    spans: list[tuple[int, int | None]] = list(zip(bounds, bounds[1:], strict=False))
    steps = list(steps)
    if any(step.start >= bounds[-1] for step in steps):
        spans.append((bounds[-1], None))
    phases = []
    for start, end in spans:
        inside = [s for s in steps if s.start >= start and (end is None or s.start < end)]
        paradigms = tuple(p for p in PARADIGMS if any(s.paradigm == p for s in inside))
        phases.append(Phase(start, end, paradigms, ()))
    return phases


def _with_phase(step: Step, phases: list[Phase]) -> Step:
    """The step with the index of the phase it starts in."""
    for index, phase in enumerate(phases):
        if step.start >= phase.start and (phase.end is None or step.start < phase.end):
            return replace(step, phase=index)
    raise AssertionError("every step starts in a phase")
