"""Database tables (SQLModel). The schema itself is owned by the Alembic migrations in `migrations/`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
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
