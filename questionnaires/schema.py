"""The questionnaire file format: pydantic models that validate a YAML file as it is loaded.

One YAML file describes one questionnaire version: its pages (dimensions) with their questions, the scales that
turn answers into numbers, the bands that turn scores into levels, and the scoring tree from answers to items,
dimensions, paradigms and the overall result. `questionnaires/FORMAT.md` documents the format for authors.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from questionnaires.vocabulary import PARADIGMS, Goal, IndustryType, Paradigm, SizeClass

LANGUAGES = ("en", "zh")
NOT_APPLICABLE = "na"

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class Strict(BaseModel):
    """Base for every file model: unknown keys are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text shown to a respondent, in every supported language."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """The text in `lang`, English when that language is not supported."""
        return self.zh if lang == "zh" else self.en


class MapScale(Strict):
    """Answer keys (option ids, levels, yes/no) to numbers."""

    kind: Literal["map"]
    values: dict[str, float] = Field(min_length=1)
    cap: float | None = None  # for checklists: the sum of ticked options never exceeds this


class Step(Strict):
    """One step of a threshold scale: a number at or above `min` scores `value`."""

    min: float
    value: float


class ThresholdScale(Strict):
    """Numbers to numbers through ascending steps."""

    kind: Literal["thresholds"]
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _ascending(self) -> ThresholdScale:
        mins = [step.min for step in self.steps]
        if mins != sorted(mins) or len(set(mins)) != len(mins):
            raise ValueError("steps must have strictly ascending 'min'")
        return self


class LinearScale(Strict):
    """Numbers to numbers along a straight line: `from: [a, b]` maps onto `to: [c, d]`, clamped to that span."""

    kind: Literal["linear"]
    from_: tuple[float, float] = Field(alias="from")
    to: tuple[float, float]

    @model_validator(mode="after")
    def _spans(self) -> LinearScale:
        if self.from_[0] == self.from_[1]:
            raise ValueError("'from' must span two different numbers")
        return self


Scale = Annotated[MapScale | ThresholdScale | LinearScale, Field(discriminator="kind")]


class Band(Strict):
    """A named level: scores at or above `min` (and below the next band) have this level."""

    level: int = Field(ge=0, le=5)
    min: float
    name: Text


class Condition(Strict):
    """Show a question only when an earlier answer meets this condition."""

    question: Identifier
    equals: str | int | float | bool | None = None
    one_of: list[str | int] | None = None
    at_least: float | None = None

    @model_validator(mode="after")
    def _exactly_one_test(self) -> Condition:
        tests = [self.equals is not None, self.one_of is not None, self.at_least is not None]
        if sum(tests) != 1:
            raise ValueError("a condition needs exactly one of 'equals', 'one_of', 'at_least'")
        return self


class Option(Strict):
    """One choice of a single or multiple choice question."""

    id: Identifier
    label: Text


class QuestionBase(Strict):
    """What every question has."""

    id: Identifier
    text: Text
    help: Text | None = None
    not_applicable: bool = False  # the respondent may answer "not applicable"
    show_if: Condition | None = None
    paradigm: Paradigm | None = None  # documentation and trace only
    anchors: dict[str, str] = Field(default_factory=dict)  # framework name -> where it maps

    @property
    def scored(self) -> bool:
        """Whether answers turn into a number: through a scale (a ladder also without one; free text never)."""
        return getattr(self, "scale", None) is not None


class LadderQuestion(QuestionBase):
    """Levels 0-5, one concrete, observable descriptor per level; the answer is the level."""

    type: Literal["ladder"]
    levels: list[Text] = Field(min_length=6, max_length=6)
    scale: Identifier | None = None  # default: the level itself

    @property
    def scored(self) -> bool:
        """Ladders always score: their level, or its value in the scale."""
        return True


class SingleQuestion(QuestionBase):
    """Exactly one option."""

    type: Literal["single"]
    options: list[Option] = Field(min_length=2)
    scale: Identifier | None = None  # unscored when absent


class MultipleQuestion(QuestionBase):
    """A checklist: any number of options; scored as the sum of the ticked options' values."""

    type: Literal["multiple"]
    options: list[Option] = Field(min_length=2)
    scale: Identifier | None = None


class NumberQuestion(QuestionBase):
    """A number with a unit and bounds."""

    type: Literal["number"]
    unit: Text
    min: float
    max: float
    integer: bool = False
    scale: Identifier | None = None

    @model_validator(mode="after")
    def _bounds(self) -> NumberQuestion:
        if self.min >= self.max:
            raise ValueError("'min' must be below 'max'")
        return self


class YesNoQuestion(QuestionBase):
    """Yes or no; a scale maps the keys 'yes' and 'no'."""

    type: Literal["yesno"]
    scale: Identifier | None = None


class TextQuestion(QuestionBase):
    """Free text, never scored."""

    type: Literal["text"]
    max_length: int = Field(default=2000, ge=1, le=20000)


Question = Annotated[
    LadderQuestion | SingleQuestion | MultipleQuestion | NumberQuestion | YesNoQuestion | TextQuestion,
    Field(discriminator="type"),
]


class Dimension(Strict):
    """One page of the questionnaire; a scoring node of kind 'dimension' carries the same id."""

    id: Identifier
    name: Text
    description: Text
    questions: list[Question] = Field(min_length=1)
    anchors: dict[str, str] = Field(default_factory=dict)


class NodeInput(Strict):
    """One input of a scoring node: a question or another node, with its weight."""

    ref: Identifier
    weight: float | dict[str, float] = 1.0  # a number, or one number per weight profile
    level: int | None = Field(default=None, ge=1, le=5)  # gating: the level this requirement belongs to


class Node(Strict):
    """A node of the scoring tree, combining its inputs by a named rule."""

    id: Identifier
    kind: Literal["item", "dimension", "paradigm", "overall", "standard"]
    rule: Literal["weighted_mean", "sum", "min", "gating", "progress", "levels"]
    inputs: list[NodeInput] = Field(min_length=1)
    bands: Identifier | None = None
    paradigm: Paradigm | None = None  # kind 'paradigm' only
    threshold: float = 0.8  # gating: a level counts when its requirements' mean reaches this
    cap: float | None = None  # sum: the result never exceeds this
    range: tuple[float, float] | None = None  # progress: the input span that maps to 0..100
    # kind 'standard' only: the framework whose level the node computes by that framework's own rule (e.g. "CMMM");
    # published level shares of that framework are shown beside it, and beside nothing else
    standard: str | None = Field(default=None, min_length=1, max_length=40)
    explanation: Text | None = None


class WeightProfiles(Strict):
    """Weight profiles chosen by an enterprise attribute, e.g. discrete vs process industry."""

    attribute: Literal["industry_type"]
    values: list[Identifier] = Field(min_length=1)
    default: Identifier


class Scoring(Strict):
    """The scoring tree."""

    profiles: WeightProfiles | None = None
    nodes: list[Node] = Field(min_length=1)


class Benefit(Strict):
    """What an action is expected to bring, with where the figure comes from when there is a source."""

    text: Text
    source: str | None = None


class Audience(Strict):
    """Which enterprises a variant of an action is written for; an absent key matches every enterprise."""

    industry_type: IndustryType | None = None
    sizes: list[SizeClass] | None = Field(default=None, min_length=1)

    def matches(self, industry_type: str | None, size: str | None) -> bool:
        """Whether an enterprise of this industry type and size class is in the audience."""
        return (self.industry_type is None or self.industry_type == industry_type) and (
            self.sizes is None or size in self.sizes
        )

    @property
    def rank(self) -> tuple[int, int, int]:
        """How specific the audience is, higher first: more keys; then a size class over an industry type (what a
        firm of its size can do decides more of the advice than its industry); then fewer size classes."""
        keys = (self.industry_type is not None) + (self.sizes is not None)
        return keys, self.sizes is not None, -len(self.sizes or ())

    @model_validator(mode="after")
    def _not_empty(self) -> Audience:
        if self.industry_type is None and self.sizes is None:
            raise ValueError("give 'industry_type', 'sizes' or both")
        return self


VARIANT_FIELDS = ("title", "what", "why", "needs", "indicator", "benefit", "months")


class Variant(Strict):
    """Texts that replace an action's own for one audience; unset fields keep the action's."""

    when: Audience
    title: Text | None = None
    what: Text | None = None
    why: Text | None = None
    needs: Text | None = None
    indicator: Text | None = None
    benefit: Benefit | None = None
    months: int | None = Field(default=None, ge=1, le=36)


class Action(Strict):
    """What takes one dimension from the level below `level` to `level`."""

    dimension: Identifier
    level: int = Field(ge=1, le=5)
    title: Text
    what: Text
    why: Text
    needs: Text | None = None  # what must be in place first, beyond the declared prerequisites
    indicator: Text  # the figure to track
    benefit: Benefit | None = None
    months: int = Field(ge=1, le=36)  # typical duration for an SME
    variants: list[Variant] = Field(default_factory=list)
    done_if: list[Condition] | None = Field(default=None, min_length=1)  # answers that show the step is in place

    def field_sources(self, industry_type: str | None, size: str | None, combine: bool) -> dict[str, int]:
        """Field -> index of the variant whose value an enterprise gets; fields absent keep the action's own.

        combine (roadmap format 2): every matching variant applies, and for each field the most specific variant
        that sets it wins (the first in the file among equally specific ones). Otherwise (format 1) the single most
        specific matching variant, the first among equals, replaces the fields it sets."""
        matching = [(v, item) for v, item in enumerate(self.variants) if item.when.matches(industry_type, size)]
        if not combine:  # format 1 ranked by the number of keys only, first in the file among equals
            matching = [max(matching, key=lambda item: (item[1].when.rank[0], -item[0]))] if matching else []
        matching.sort(key=lambda item: item[1].when.rank, reverse=True)  # stable: file order among equals
        sources: dict[str, int] = {}
        for v, variant in matching:
            for name in VARIANT_FIELDS:
                if name not in sources and getattr(variant, name) is not None:
                    sources[name] = v
        return sources


class Prerequisite(Strict):
    """Raising `dimension` to `level` needs `requires` at level `at_least` first."""

    dimension: Identifier
    level: int = Field(ge=1, le=5)
    requires: Identifier
    at_least: int = Field(ge=1, le=5)
    why: Text


class PriorityWeights(Strict):
    """The weights of the four parts of a gap's priority; they are used as shares of their sum."""

    gap: float = Field(ge=0)
    weight: float = Field(ge=0)
    cohort: float = Field(ge=0)
    goals: float = Field(ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> PriorityWeights:
        if self.gap + self.weight + self.cohort + self.goals <= 0:
            raise ValueError("at least one priority weight must be above 0")
        return self


class BenefitContext(Strict):
    """Published benefit figures, shown once beside the plan as context: where they come from and what they are not."""

    text: Text  # the figures themselves
    caveat: Text  # whose averages they are, and that they are no forecast for this enterprise
    source: str = Field(min_length=1)


class Roadmap(Strict):
    """How a scored assessment becomes a phased plan: priorities, prerequisites, phases and the action library.

    `format` 1 (the default) is the first roadmap format: the single most specific matching variant replaces the
    action's fields. `format` 2 combines every matching variant field by field, lets an action declare `done_if`,
    and the loader refuses variants that can never be chosen and benefit figures inside actions."""

    format: Literal[1, 2] = 1
    priority_weights: PriorityWeights
    dimension_goals: dict[Identifier, list[Goal]]
    paradigm_levels: dict[Paradigm, int]  # the level that reaches each one
    parallel_tracks: int = Field(default=3, ge=1, le=14)  # dimensions an SME can move at the same time
    phases: list[int] = Field(default=[6, 18, 36], min_length=1)  # months at which each phase ends
    prerequisites: list[Prerequisite] = Field(default_factory=list)
    actions: list[Action] = Field(min_length=1)
    benefit_context: BenefitContext | None = None

    @model_validator(mode="after")
    def _shape(self) -> Roadmap:
        if self.phases != sorted(set(self.phases)) or self.phases[0] <= 0:
            raise ValueError("'phases' must be strictly ascending month numbers above 0")
        if set(self.paradigm_levels) != set(PARADIGMS):
            raise ValueError("'paradigm_levels' needs a level for digital, networked and intelligent")
        levels = [self.paradigm_levels[paradigm] for paradigm in PARADIGMS]
        if levels != sorted(set(levels)) or not all(1 <= level <= 5 for level in levels):
            raise ValueError("'paradigm_levels' must ascend from digital to intelligent, within 1-5")
        return self


class ConsistencyRule(Strict):
    """Two answers that cannot both be true: when both conditions hold, the answers contradict each other and the
    assessment is flagged for a reviewer (assessment/quality.py), with the explanation saying why."""

    id: Identifier
    answer: Condition  # one answer, in the syntax of `show_if`
    contradicts: Condition  # an answer that cannot be true together with it
    explanation: Text


class QuestionnaireFile(Strict):
    """A whole questionnaire file, validated field by field; cross-references are checked by the loader."""

    id: Identifier
    version: str = Field(pattern=r"^\d+(\.\d+){0,2}$")
    title: Text
    description: Text
    estimated_minutes: int = Field(ge=1, le=600)
    anchors: dict[str, Text] = Field(default_factory=dict)  # framework -> how this questionnaire maps to it
    scales: dict[Identifier, Scale] = Field(default_factory=dict)
    bands: dict[Identifier, list[Band]] = Field(default_factory=dict)
    dimensions: list[Dimension] = Field(min_length=1)
    scoring: Scoring
    roadmap: Roadmap | None = None
    consistency: list[ConsistencyRule] = Field(default_factory=list)  # answers that contradict each other
