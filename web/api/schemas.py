"""The bodies the API reads and writes, as pydantic models: requests are validated with them, every response is
checked against them before it is sent, and the OpenAPI document is made from their JSON schemas."""

from __future__ import annotations

import dataclasses
from datetime import UTC
from typing import Annotated, Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, JsonValue, create_model, field_validator

from assessment.classifications import RegionLevel, load_industries, load_regions
from assessment.cohorts.groups import INDUSTRY_LEVELS, REGION_LEVELS, SIZE_LEVELS, NodeComparison
from assessment.profile import EMPLOYEES_MAX, NAME_MAX_LENGTH, REVENUE_MAX
from questionnaires.vocabulary import IndustryType, Paradigm, SizeClass
from storage.db import MAX_ID  # ids in bodies and paths: what an INTEGER column holds

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
QuestionnaireId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class Request(BaseModel):
    """A request body: unknown keys are errors and values are not converted (a number is not a string)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Body(BaseModel):
    """A response body (or part of one)."""

    model_config = ConfigDict(extra="forbid")


def _profile_region_codes() -> list[str]:
    return [code for code, _label in load_regions().choices("en")]


def _industry_codes() -> list[str]:
    return sorted(load_industries())


def required_fields(domain: type) -> dict[str, Any]:
    """A domain dataclass's fields as `create_model` takes them: each required, with its type, so that a body that
    mirrors a domain object does not type its fields again."""
    types = get_type_hints(domain)
    return {field.name: (types[field.name], ...) for field in dataclasses.fields(domain)}


# ---- errors


class ErrorDetail(Body):
    """What went wrong: a stable code, a sentence, and per field (or question id) what is wrong with it."""

    code: str = Field(examples=["invalid_answers"])
    message: str
    fields: dict[str, str] = Field(default_factory=dict)


class Error(Body):
    """Every error response."""

    error: ErrorDetail


# ---- questionnaires (the export format of questionnaires/export.py)


class Text(Body):
    """A text in every supported language."""

    en: str
    zh: str


class LevelOut(Body):
    level: int
    text: Text
    value: float


class OptionOut(Body):
    id: str
    label: Text
    value: float | None


class ConditionOut(Body):
    question: str
    equals: str | int | float | bool | None
    one_of: list[str | int] | None
    at_least: float | None


class ScaleStep(Body):
    min: float
    value: float


class ScaleOut(Body):
    name: str
    kind: Literal["map", "thresholds", "linear"]
    values: dict[str, float] | None
    steps: list[ScaleStep] | None
    cap: float | None
    from_: list[float] | None = Field(alias="from")  # linear: the answer span mapped onto `to`
    to: list[float] | None


class QuestionOut(Body):
    id: str
    type: Literal["ladder", "single", "multiple", "number", "yesno", "text"]
    text: Text
    help: Text | None
    not_applicable: bool
    show_if: ConditionOut | None
    paradigm: Paradigm | None
    anchors: dict[str, str]
    levels: list[LevelOut] | None
    options: list[OptionOut] | None
    unit: Text | None
    min: float | None
    max: float | None
    integer: bool | None
    max_length: int | None
    scale: ScaleOut | None
    scored: bool


class DimensionOut(Body):
    id: str
    name: Text
    description: Text | None
    anchors: dict[str, str]
    questions: list[QuestionOut]


class BandOut(Body):
    level: int
    min: float
    name: Text


class NodeInputOut(Body):
    ref: str
    ref_type: Literal["question", "node"]
    weight: float | dict[str, float]
    level: int | None


class NodeOut(Body):
    id: str
    kind: Literal["item", "dimension", "paradigm", "overall", "standard"]
    rule: Literal["weighted_mean", "sum", "min", "gating", "progress", "levels"]
    paradigm: Paradigm | None
    standard: str | None
    bands: list[BandOut] | None
    threshold: float | None
    cap: float | None
    range: Annotated[list[float], Field(min_length=2, max_length=2)] | None
    inputs: list[NodeInputOut]
    explanation: Text | None


class ProfilesOut(Body):
    attribute: str
    values: list[str]
    default: str


class ScoringOut(Body):
    nodes: list[NodeOut]
    order: list[str]


class Questionnaire(Body):
    """One questionnaire version as `flask questionnaires export` prints it (questionnaires/FORMAT.md)."""

    id: str
    version: str
    title: Text
    description: Text | None
    estimated_minutes: int
    anchors: dict[str, Text]
    profiles: ProfilesOut | None
    dimensions: list[DimensionOut]
    scoring: ScoringOut


class VersionQuery(BaseModel):
    """Which version of a questionnaire; the newest when left out."""

    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(None, max_length=20, pattern=r"^\d+(\.\d+){0,2}$")


class QuestionnaireSummary(Body):
    """A questionnaire offered: its newest version (used by new assessments) and every version kept."""

    id: str
    version: str
    versions: list[str]
    title: Text
    description: Text | None
    estimated_minutes: int
    questions: int


class QuestionnaireList(Body):
    questionnaires: list[QuestionnaireSummary]


# ---- enterprises


class EnterpriseCreate(Request):
    """An enterprise profile, as the profile page asks it; the industry type and size class are derived."""

    name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH)
    region_code: str = Field(description="GB/T 2260 code of the city or province",
                             json_schema_extra=lambda schema: schema.update(enum=_profile_region_codes()))
    industry_code: str = Field(description="GB/T 4754 manufacturing division",
                               json_schema_extra=lambda schema: schema.update(enum=_industry_codes()))
    employees: int = Field(ge=0, le=EMPLOYEES_MAX)
    revenue_million_yuan: float = Field(ge=0, le=REVENUE_MAX)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the name is empty")
        if any(ord(character) < 32 for character in value):
            raise ValueError("the name contains control characters")
        return value

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str) -> str:
        if value not in load_regions() or value == load_regions().country.code:
            raise ValueError("not the GB/T 2260 code of a province or city")
        return value

    @field_validator("industry_code")
    @classmethod
    def _industry(cls, value: str) -> str:
        if value not in load_industries():
            raise ValueError("not a GB/T 4754 manufacturing division (13 to 43)")
        return value


class VerificationOut(Body):
    """Whether the answers are self-declared or verified by a reviewer (storage/verification.py)."""

    status: Literal["self_declared", "verified", "returned"] = Field(
        description="returned: sent back to the enterprise for revision, a draft again")
    revision: int = Field(description="how many times the assessment has been submitted")
    verified_by: str | None = Field(description="the reviewer's name, when verified")
    verified_organisation: str | None = Field(
        description="when verified: a consultant's brand, or the region code of an agency's jurisdiction")
    verified_at: str | None = Field(json_schema_extra={"format": "date-time"})


def verification_data(standing) -> dict:
    """A `storage.verification.Standing` as the API gives it."""
    return {"status": standing.status, "revision": standing.revision,
            "verified_by": standing.reviewer_name if standing.verified else None,
            "verified_organisation": standing.reviewer_organisation if standing.verified else None,
            "verified_at": _utc(standing.decided_at).isoformat() if standing.verified else None}


def _utc(moment):
    """SQLite hands timestamps back without their zone; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AssessmentSummary(Body):
    id: int
    questionnaire_id: str
    questionnaire_version: str
    status: Literal["draft", "submitted"]
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    submitted_at: str | None = Field(json_schema_extra={"format": "date-time"})
    overall_score: float | None
    overall_level: int | None
    verification: VerificationOut


class Enterprise(Body):
    id: int
    name: str
    region_code: str
    industry_code: str
    industry_type: IndustryType
    employees: int
    revenue_million_yuan: float
    size_class: SizeClass
    synthetic: bool
    benchmark_consent: bool
    consultant_id: int | None
    created_at: str = Field(json_schema_extra={"format": "date-time"})


class EnterpriseDetail(Enterprise):
    assessments: list[AssessmentSummary]


class EnterpriseList(Body):
    enterprises: list[Enterprise]


# ---- assessments


class AssessmentCreate(Request):
    """Start a draft assessment of an enterprise on the newest version of a questionnaire."""

    enterprise_id: Id
    questionnaire_id: QuestionnaireId


class AnswersUpdate(Request):
    """Answers by question id in the JSON answer format (questionnaires/FORMAT.md); `null` clears an answer.

    Questions not named keep their answers."""

    answers: dict[str, JsonValue]


class Assessment(Body):
    id: int
    enterprise_id: int
    questionnaire_id: str
    questionnaire_version: str
    status: Literal["draft", "submitted"]
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    updated_at: str = Field(json_schema_extra={"format": "date-time"})
    submitted_at: str | None = Field(json_schema_extra={"format": "date-time"})
    overall_score: float | None
    overall_level: int | None
    verification: VerificationOut
    answers: dict[str, JsonValue] = Field(description="the saved answers, in the JSON answer format")
    unanswered: list[str] = Field(description="ids of the shown questions still needing an answer, in file order")


# ---- results (Result.to_dict)


class TraceItem(Body):
    ref: str
    value: float | None
    weight: float
    contribution: float
    note: str | None = None


class NodeResult(Body):
    score: float | None
    level: int | None
    rule: str
    trace: list[TraceItem]


class ResultQuestionnaire(Body):
    id: str
    version: str


class ResultAnswer(Body):
    answer: JsonValue
    value: float | None


class Result(Body):
    """The scored result pinned to the assessment at submission (`Result.to_dict`, the `flask score` format)."""

    questionnaire: ResultQuestionnaire
    profile: str | None
    overall: NodeResult
    paradigms: dict[str, NodeResult]
    dimensions: dict[str, NodeResult]
    items: dict[str, NodeResult]
    standard: dict[str, NodeResult] | None = None  # a standard's own level (e.g. CMMM), when the questionnaire has one
    answers: dict[str, ResultAnswer]


# ---- comparison


class CohortOut(Body):
    """A group of enterprises: a region, an industry scope ("all", "discrete", "process" or a division) and a
    size scope ("all" or a size class) in a period."""

    questionnaire_id: str
    period: int
    region_code: str
    industry: str
    size: str


class CohortKind(Body):
    region: Literal[REGION_LEVELS]
    industry: Literal[INDUSTRY_LEVELS]
    size: Literal[SIZE_LEVELS]


NodeComparisonOut = create_model(
    "NodeComparisonOut", __base__=Body, __module__=__name__, **required_fields(NodeComparison),
    __doc__="The enterprise's score, its percentile rank (0-100) in the cohort, the quartiles and best in class (p90).")


class CohortComparisonOut(Body):
    """The assessment against the closest published cohort of its period; `passed` are the closer cohorts that
    could not be used (too small, or withheld to protect a small group)."""

    cohort: CohortOut
    kind: CohortKind
    count: int
    synthetic: int = Field(description="how many of the cohort's enterprises are synthetic demo enterprises")
    nodes: dict[str, NodeComparisonOut]
    passed: list[CohortOut]
    release: ReleaseOut


class ReleaseOut(Body):
    """The statistics release figures come from: they change only when a new release is published."""

    id: int
    published_at: str


# ---- regional statistics (the agencies' table)


class RegionalQuery(BaseModel):
    """The selection of the agencies' comparison page; every parameter may be left out."""

    model_config = ConfigDict(extra="forbid")

    questionnaire: str | None = Field(None, max_length=64, description="default: the first with statistics")
    period: int | None = Field(None, ge=1, le=9999, description="default: the newest with statistics")
    base: int | None = Field(None, ge=1, le=9999, description="an earlier period, for change since then")
    region: list[Annotated[str, Field(max_length=6)]] = Field(
        default_factory=list, max_length=400, description="region codes (default: the provinces and the country, "
        "or an agency's jurisdiction and the regions below it)")
    within: str | None = Field(None, max_length=6, description="a province: itself and its cities")
    industry: str = Field("all", max_length=10, description='"all", "discrete", "process" or a division code')
    size: str = Field("all", max_length=10, description='"all" or a size class')
    lag_level: int = Field(2, ge=1, le=5, description="lagging: below this level ...")
    lag_dimensions: int = Field(2, ge=1, le=100, description="... in at least this many dimensions")
    weighted: bool = Field(False, description="add the figures weighted to the population (where margins exist)")


class ColumnOut(Body):
    key: str
    group: str
    heading: str
    label: str
    unit: str
    node: str
    level: int | None


class RowOut(Body):
    """One region. Cells of a withheld group are null; `reason` says why (as the page does)."""

    region_code: str
    region_name: str
    region_level: RegionLevel
    status: Literal["shown", "small", "complementary", "empty"]
    reason: str | None
    change_status: Literal["shown", "small", "complementary", "empty", ""]
    change_reason: str | None
    synthetic: int
    cells: dict[str, float | int | str | None]
    withheld: list[str] = Field(description="keys of the cells withheld")


class WeightedRowOut(Body):
    """One region's weighted figures. Cells are null when it has none; `reason` says why (as the page does)."""

    region_code: str
    status: Literal["shown", "small", "complementary", "small-class", "unraked", "none"]
    reason: str | None
    cells: dict[str, float | int | str | None]
    withheld: list[str] = Field(description="keys of the cells withheld")


class WeightedOut(Body):
    """The figures weighted to the population, a row per region of `rows` in the same order."""

    sources: list[str] = Field(description="the population margins used: source, year")
    notice: str | None
    columns: list[ColumnOut]
    rows: list[WeightedRowOut]


class LaggingOut(Body):
    level: int
    dimensions: int


class RegionalStatistics(Body):
    """The agencies' comparison table, with small groups suppressed exactly as on the page."""

    questionnaire_id: str
    period: int
    base_period: int | None
    industry: str
    size: str
    lagging: LaggingOut
    k: int = Field(description="the smallest group whose figures are shown")
    withheld_rule: str
    release: ReleaseOut | None = Field(description="the release the figures come from (null: none yet)")
    columns: list[ColumnOut]
    rows: list[RowOut]
    weighted: WeightedOut | None = Field(None, description="when asked for with weighted=true")
