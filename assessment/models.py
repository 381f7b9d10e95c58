"""Database tables (SQLModel). The schema itself is owned by the Alembic migrations in `migrations/`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """The current time in UTC, as stored in every timestamp column."""
    return datetime.now(UTC)


class EnterpriseBase(SQLModel):
    """What an enterprise tells about itself in its profile."""

    name: str = Field(max_length=200)
    region_code: str = Field(max_length=6, index=True)  # GB/T 2260 code of the city (or province)
    industry_code: str = Field(max_length=2, index=True)  # GB/T 4754 manufacturing division, "13".."43"
    industry_type: str = Field(max_length=10)  # "discrete" or "process", from the division
    employees: int
    revenue_million_yuan: float
    size_class: str = Field(max_length=10, index=True)  # derived from employees and revenue
    synthetic: bool = False  # generated demo data, labelled as such wherever it is shown


class Enterprise(EnterpriseBase, table=True):
    """An enterprise that takes assessments."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class Assessment(SQLModel, table=True):
    """One run of a questionnaire by an enterprise, pinned to the questionnaire's id and version."""

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    questionnaire_id: str = Field(max_length=64)
    questionnaire_version: str = Field(max_length=20)
    token: str = Field(max_length=64, unique=True)  # the secret in the resume link
    status: str = Field(default="draft", max_length=10)  # "draft" or "submitted"
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    overall_score: float | None = None
    overall_level: int | None = None
    result: dict | None = Field(default=None, sa_column=Column(JSON))  # the scored result with its trace


class Answer(SQLModel, table=True):
    """The answer to one question of an assessment, as JSON (see questionnaires/FORMAT.md)."""

    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    question_id: str = Field(max_length=64)
    value: object = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class NodeScore(SQLModel, table=True):
    """One score of a submitted assessment (dimension, paradigm, item or overall), for statistics."""

    assessment_id: int = Field(foreign_key="assessment.id", primary_key=True)
    node_id: str = Field(max_length=64, primary_key=True)
    kind: str = Field(max_length=10)
    score: float | None = None
    level: int | None = None


class BenchmarkEntry(SQLModel, table=True):
    """An enterprise's latest submitted assessment in a period: the one row cohort statistics are built from."""

    __table_args__ = (
        Index("ix_benchmarkentry_cohort", "questionnaire_id", "period", "province_code", "industry_code"),
    )

    questionnaire_id: str = Field(max_length=64, primary_key=True)
    period: int = Field(primary_key=True)  # calendar year of the submission
    enterprise_id: int = Field(foreign_key="enterprise.id", primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    questionnaire_version: str = Field(max_length=20)  # says which nodes `scores` and `levels` hold, in order
    province_code: str = Field(max_length=6)
    city_code: str | None = Field(default=None, max_length=6)  # None when the enterprise only named its province
    industry_code: str = Field(max_length=2)
    industry_type: str = Field(max_length=10)
    size_class: str = Field(max_length=10)
    synthetic: bool = False
    # Packed arrays (see assessment/cohorts.py): rebuilding a million entries reads two blobs a row, not 20 rows.
    scores: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # float64 per node, NaN when not scored
    levels: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # int8 per node, -1 when no level


class CohortStat(SQLModel, table=True):
    """The statistics of one cohort for one questionnaire and period, or of its change since `base_period`."""

    questionnaire_id: str = Field(max_length=64, primary_key=True)
    period: int = Field(primary_key=True)
    base_period: int = Field(default=0, primary_key=True)  # 0: the period itself; else change for those in both
    region_code: str = Field(max_length=6, primary_key=True)  # the country, a province or a city
    industry: str = Field(max_length=10, primary_key=True)  # "all", "discrete", "process" or a division code
    size: str = Field(max_length=10, primary_key=True)  # "all" or a size class
    count: int
    synthetic: int = 0  # how many of `count` are synthetic demo enterprises
    suppressed: str | None = Field(default=None, max_length=16)  # None, "small" or "complementary"
    stats: dict = Field(sa_column=Column(JSON, nullable=False))  # per node, and the lagging counts
    updated_at: datetime = Field(default_factory=utcnow)


class PublishedBenchmark(SQLModel, table=True):
    """A figure from a published report (a level share or an average), shown as such and never mixed with ours."""

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=300)  # the report, as it should be cited
    year: int
    framework: str = Field(max_length=40)  # e.g. "CMMM", "IMPULS"
    scope: str = Field(max_length=200)  # whom the figure describes, e.g. "China, 20,000+ enterprises"
    region_code: str | None = Field(default=None, max_length=6)
    industry_code: str | None = Field(default=None, max_length=2)
    measure: str = Field(max_length=20)  # "level_share" (value 0-1) or "mean"
    level: str | None = Field(default=None, max_length=20)  # the level a share is of, as published, e.g. "4+"
    value: float
    imported_at: datetime = Field(default_factory=utcnow)


class RegionalIndicator(SQLModel, table=True):
    """One enabling-condition indicator of a region in a period (e.g. 5G base stations), imported from CSV."""

    region_code: str = Field(max_length=6, primary_key=True)
    period: int = Field(primary_key=True)
    indicator: str = Field(max_length=64, primary_key=True)
    value: float
    source: str = Field(default="", max_length=300)
    imported_at: datetime = Field(default_factory=utcnow)


class ReportBatch(SQLModel, table=True):
    """Enterprise reports rendered in the background into one ZIP, with its progress and the reports that failed."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = Field(default="queued", max_length=10)  # "queued", "running", "done" or "failed"
    language: str = Field(default="en", max_length=5)
    settings: dict = Field(sa_column=Column(JSON, nullable=False))  # targets and goals of the plans
    brand_name: str = Field(default="", max_length=120)
    brand_colour: str = Field(default="#2f6f9f", max_length=7)
    assessment_ids: list = Field(sa_column=Column(JSON, nullable=False))
    done: int = 0  # reports finished, well or not
    failures: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [{id, name, error}]
    path: str = Field(default="", max_length=500)  # the ZIP, once written
