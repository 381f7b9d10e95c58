"""Database tables (SQLModel). The schema itself is owned by the Alembic migrations in `migrations/`."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from assessment.profile import NAME_MAX_LENGTH


def utcnow() -> datetime:
    """The current time in UTC, as stored in every timestamp column."""
    return datetime.now(UTC)


class EnterpriseBase(SQLModel):
    """What an enterprise tells about itself in its profile."""

    name: str = Field(max_length=NAME_MAX_LENGTH)
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
    consultant_id: int | None = Field(default=None, index=True)  # the user id of the consultant whose client it is
    benchmark_consent: bool = True  # its assessments count in benchmarks (from the next rebuild when changed)


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
    # Paradata of answering online (rules: assessment/quality.py): when the clock started, at the first save of an
    # assessment with no answers yet (None: never started, e.g. imported answers), and the time spent since, each gap
    # between two saves counted up to the idle limit.
    first_saved_at: datetime | None = None
    active_seconds: int = 0
    # The language it was started or last saved in ("en" or "zh"): its resume link opens in it unless the visitor
    # chose another (web/i18n.py). None: not known (older assessments, imports), the browser's preference then.
    language: str | None = Field(default=None, max_length=5)


class StoredAnswer(SQLModel, table=True):
    """The answer to one question of an assessment, as JSON (see questionnaires/FORMAT.md)."""

    __tablename__ = "answer"
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
    # Packed arrays (see assessment/cohorts/groups.py): rebuilding a million entries reads two blobs a row, not 20 rows.
    scores: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # float64 per node, NaN when not scored
    levels: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # int8 per node, -1 when no level
    # The entry's secret perturbation, drawn once (float32 per node, as a share of the node's scale; see
    # assessment/cohorts/perturbation.py) and drawn anew only when its scores change. None: drawn at the next release.
    noise: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    trust: str = Field(default="account", max_length=10)  # who stands behind it: one of assessment.trust.TRUST_LEVELS
    verified: bool = False  # its assessment was signed off (storage/verification.py); cleared on resubmission
    excluded: bool = False  # left out of releases by a campaign's owner as junk (storage/campaign_tracking.py)


class StatisticsRelease(SQLModel, table=True):
    """A published set of cohort statistics. Pages and the API show the latest; every release is kept."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    trigger: str = Field(default="command", max_length=20)  # "command", "schedule" or "administrator"
    min_trust: str = Field(default="account", max_length=10)  # the least trusted entries it counts
    entries: int = 0  # entries counted, over every questionnaire and period
    cells: int = 0  # cohort statistics stored
    withheld: int = 0  # of which withheld (small or complementary)
    seconds: float = 0.0  # how long it took to compute
    verified_only: bool = False  # counts only verified (signed-off) entries: the companion of a release (releases.py)


class Setting(SQLModel, table=True):
    """A setting an administrator changes in the app (the release schedule, who counts in statistics)."""

    key: str = Field(max_length=64, primary_key=True)
    value: str = Field(max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)


class CohortStat(SQLModel, table=True):
    """The statistics of one cohort for one questionnaire and period, or of its change since `base_period`, in one
    release."""

    # The release's id, without a foreign key: only `storage.releases` writes these rows, in the transaction that
    # adds their release, and releases are never deleted. The key was checked row by row, 0.75 of the 2 s a release
    # of 200,000 entries spends writing its 85,000 rows on PostgreSQL (migration 0022).
    release_id: int = Field(primary_key=True)
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
    error: str = Field(default="", max_length=500)  # why the ZIP could not be written, when status is "failed"
    updated_at: datetime | None = None  # the last progress of a running batch: one that stops moving was interrupted
    user_id: int | None = Field(default=None, index=True)  # who asked for it
    brand_logo: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # on the covers
    claimed_by: str = Field(default="", max_length=32)  # the run working on it now; another takes over once it stalls
    runs: int = 0  # how many runs have started it: one that keeps killing its worker is given up after a few


ROLES = ("enterprise", "consultant", "agency", "admin")


class User(SQLModel, table=True):
    """A signed-in person: an enterprise user, a consultant, an agency analyst or an administrator."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # stored lower-case
    name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=256)
    role: str = Field(default="enterprise", max_length=12)  # one of ROLES
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)  # an enterprise user's
    jurisdiction: str | None = Field(default=None, max_length=6)  # an agency analyst's region code
    brand_name: str = Field(default="", max_length=120)  # a consultant's report branding
    brand_colour: str = Field(default="#2f6f9f", max_length=7)
    brand_logo: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None
    email_confirmed_at: datetime | None = None  # when the user proved the address is theirs (a link mailed to it)
    session_epoch: int = 0  # raised at sign-out and password change: every session signed before it ends

    # what Flask-Login asks of a user object
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class AuditEvent(SQLModel, table=True):
    """Who viewed, exported or changed which enterprise's data, and when."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, index=True)  # None: someone holding a resume link, or the system
    action: str = Field(max_length=20)  # "view", "export", "change", "delete", "sign_in", ...
    enterprise_id: int | None = Field(default=None, index=True)
    assessment_id: int | None = None
    detail: str = Field(default="", max_length=500)
    address: str = Field(default="", max_length=64)


class ActionDone(SQLModel, table=True):
    """A roadmap action an enterprise has carried out: the step of `dimension` up to `level` of a questionnaire.

    Kept per enterprise and questionnaire (not per assessment), so a step stays done in the plans of later
    assessments."""

    __table_args__ = (UniqueConstraint("enterprise_id", "questionnaire_id", "dimension", "level"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    questionnaire_id: str = Field(max_length=64)
    dimension: str = Field(max_length=64)
    level: int
    done_at: datetime = Field(default_factory=utcnow)
    user_id: int | None = None  # who marked it done


class ApiToken(SQLModel, table=True):
    """A token a user's programs send to the JSON API (`Authorization: Bearer ...`); only its SHA-256 is kept."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)  # goes with its account
    name: str = Field(max_length=120)  # what the holder calls it, e.g. "ERP sync"
    token_hash: str = Field(max_length=64, unique=True)  # hex SHA-256 of the token
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None


class AssessmentComment(SQLModel, table=True):
    """A consultant's comment on an assessment, printed in its report."""

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    user_id: int | None = None  # who wrote it
    author: str = Field(default="", max_length=120)  # as printed: the consultant's name or brand
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


class PageAssignment(SQLModel, table=True):
    """Pages of a draft assessment that its owner gave a colleague to answer through a personal link (rules:
    storage/assignments.py); only the link's SHA-256 is kept."""

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", ondelete="CASCADE", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="CASCADE", index=True)  # the one it works for
    email: str = Field(max_length=254)  # the colleague's, lower-case
    pages: list = Field(sa_column=Column(JSON, nullable=False))  # the dimension ids assigned, in questionnaire order
    token_hash: str = Field(max_length=64, unique=True)  # hex SHA-256 of the link's secret
    assigned_by: int | None = None  # the user id of the owner who assigned them
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class PageSave(SQLModel, table=True):
    """When a colleague last saved one of the pages assigned to them, and how many of its questions were answered."""

    assignment_id: int = Field(foreign_key="pageassignment.id", ondelete="CASCADE", primary_key=True)
    dimension_id: str = Field(max_length=64, primary_key=True)
    saved_at: datetime = Field(default_factory=utcnow)
    answered: int = 0  # questions of the page with an answer after the save


class EnterpriseKpi(SQLModel, table=True):
    """One of an enterprise's own KPIs, measured by itself over a period and entered with one of its assessments
    (which KPIs, their units and directions: storage/kpis.py)."""

    __table_args__ = (UniqueConstraint("assessment_id", "kpi"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="CASCADE", index=True)
    assessment_id: int = Field(foreign_key="assessment.id", ondelete="CASCADE", index=True)
    kpi: str = Field(max_length=20)  # one of storage.kpis.KPIS
    value: float
    unit: str = Field(max_length=40)  # e.g. "%", "ppm", "kWh/t", "days"
    period_start: date
    period_end: date
    updated_at: datetime = Field(default_factory=utcnow)
    user_id: int | None = None  # who entered it


class Evidence(SQLModel, table=True):
    """What backs one answer of an assessment: a file (kept under the instance folder, see storage/evidence.py) or a
    link, with a comment."""

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    question_id: str = Field(max_length=64)
    kind: str = Field(max_length=10)  # one of storage.evidence.FILE_KINDS, or "link"
    filename: str = Field(default="", max_length=200)  # as offered for download, its extension that of `kind`
    stored_name: str = Field(default="", max_length=64)  # random; the file's name in the evidence folder
    size: int = 0  # bytes of the file
    url: str = Field(default="", max_length=2000)  # a link's address (http or https)
    comment: str = Field(default="", max_length=1000)
    user_id: int | None = None  # who added it (None: someone holding the resume link)
    created_at: datetime = Field(default_factory=utcnow)


class Respondent(SQLModel, table=True):
    """A signed-in user who saved or submitted answers of an assessment: no one verifies what they answered."""

    assessment_id: int = Field(foreign_key="assessment.id", primary_key=True)
    user_id: int = Field(primary_key=True)


class Verification(SQLModel, table=True):
    """Where an assessment stands in review: self-declared, verified (signed off) or returned to the enterprise.

    `revision` counts its submissions; every review decision and sign-off names the revision it was made on."""

    assessment_id: int = Field(foreign_key="assessment.id", primary_key=True)
    revision: int = 1
    status: str = Field(default="self_declared", max_length=16)  # "self_declared", "verified" or "returned"
    reviewer_id: int | None = None
    reviewer_name: str = Field(default="", max_length=254)  # as shown: the reviewer's name or e-mail
    reviewer_organisation: str = Field(default="", max_length=120)  # a consultant's brand, or an agency's region code
    reviewer_role: str = Field(default="", max_length=12)  # "consultant" or "agency"
    decided_at: datetime | None = None  # when signed off or returned
    comment: str = Field(default="", max_length=2000)  # the reviewer's word to the enterprise when returned
    # When the enterprise asked an agency of its region to verify it. Agencies see single enterprises' answers only
    # then; without it they see published statistics alone (storage/verification.py, `serves`).
    agency_requested_at: datetime | None = None


class AnswerReview(SQLModel, table=True):
    """A reviewer's decision on one answer of one revision of an assessment: accepted, or returned with a comment."""

    assessment_id: int = Field(foreign_key="assessment.id", primary_key=True)
    revision: int = Field(primary_key=True)
    question_id: str = Field(max_length=64, primary_key=True)
    decision: str = Field(max_length=10)  # "accepted" or "returned"
    comment: str = Field(default="", max_length=1000)
    reviewer_id: int | None = None
    decided_at: datetime = Field(default_factory=utcnow)


class MailMessage(SQLModel, table=True):
    """A message put on the queue: who it is for, what it says, and what became of it (sent, bounced or failed after
    its retries), so that campaign owners and administrators see every mail."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    to: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(default="account", max_length=20)  # "account", "invitation", "campaign", ...
    ref: str = Field(default="", max_length=40, index=True)  # what it concerns, e.g. "member:12" of a campaign
    status: str = Field(default="queued", max_length=10)  # "queued", "sent", "bounced" or "failed"
    attempts: int = 0
    error: str = Field(default="", max_length=500)  # the last failure, as the mail server said it
    sent_at: datetime | None = None


class RateLimitWindow(SQLModel, table=True):
    """How many requests one rate-limit key (a limit and whom it counts, e.g. an address) made in its current fixed
    window, shared by every worker (storage/rate_limits.py)."""

    key: str = Field(max_length=255, primary_key=True)
    expires_at: float = Field(index=True)  # when the window ends, in seconds since 1970 (time.time())
    hits: int = 0


class PopulationMargin(SQLModel, table=True):
    """How many enterprises a region holds in one industry and size class, as counted by a census or register:
    the population that weighted estimates are raked to (assessment/weighting.py)."""

    __table_args__ = (Index("ix_populationmargin_import", "source", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(max_length=6)  # a province or a city (GB/T 2260)
    industry: str = Field(max_length=10)  # a GB/T 4754 division code, or "discrete" / "process"
    size_class: str = Field(max_length=10)
    count: int
    source: str = Field(max_length=300)  # the census or register, as it should be cited (given with the import)
    year: int  # the year the counts describe
    imported_at: datetime = Field(default_factory=utcnow)


class WeightedStat(SQLModel, table=True):
    """A region's figures weighted to its population margins, computed in a release from the same perturbed entries
    as its cohort statistics (storage/releases.py), for all industries and sizes of the region."""

    release_id: int = Field(foreign_key="statisticsrelease.id", primary_key=True)
    questionnaire_id: str = Field(max_length=64, primary_key=True)
    period: int = Field(primary_key=True)
    region_code: str = Field(max_length=6, primary_key=True)
    source: str = Field(max_length=300)  # the margins' source and year
    year: int
    count: int  # respondents in the region
    # As its cohort cell (None, "small", "complementary"), or "small-class": a weighting class below k (SMALL_CLASS)
    suppressed: str | None = Field(default=None, max_length=16)
    # The figures (mean, level shares, intervals, n_eff, how raking went) or why raking was impossible; empty when
    # suppressed: a withheld cell's figures are never stored.
    stats: dict = Field(sa_column=Column(JSON, nullable=False))


class Campaign(SQLModel, table=True):
    """An agency's or a consultant's assessment campaign: a list of enterprises invited to one questionnaire by a
    deadline, reminded on the days before it (rules: storage/campaigns.py)."""

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user.id", index=True)  # the agency analyst or consultant who runs it
    kind: str = Field(max_length=12)  # "agency" or "consultant", the owner's role when it was made
    name: str = Field(max_length=200)
    questionnaire_id: str = Field(max_length=64)
    questionnaire_version: str = Field(max_length=20)  # the version its members' assessments are pinned to
    period: int  # the year it surveys
    deadline: date
    reminder_days: list = Field(sa_column=Column(JSON, nullable=False))  # days before the deadline, e.g. [7, 2]
    language: str = Field(default="en", max_length=5)  # of its mails: "en" or "zh"
    status: str = Field(default="draft", max_length=10)  # "draft" until invitations go out, then "running"
    created_at: datetime = Field(default_factory=utcnow)


class CampaignMember(SQLModel, table=True):
    """An enterprise on a campaign's list: its contact, its personal link (only the link's SHA-256 is kept) and how
    far it got."""

    __table_args__ = (UniqueConstraint("campaign_id", "credit_code"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", ondelete="CASCADE", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="CASCADE", index=True)
    assessment_id: int | None = Field(default=None, foreign_key="assessment.id", ondelete="SET NULL", index=True)
    email: str = Field(max_length=254)  # lower-case
    credit_code: str = Field(max_length=18)  # unified social credit code (GB 32100-2015)
    token_hash: str = Field(max_length=64, unique=True)  # hex SHA-256 of the personal link's secret
    invited_at: datetime | None = None
    opened_at: datetime | None = None  # first opening of the personal link
    started_at: datetime | None = None  # first saved answer
    submitted_at: datetime | None = None  # cleared when the owner asks for a revision
    opted_out_at: datetime | None = None  # no more reminders
    reminders_sent: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # days already sent
    excluded: bool = False  # left out of the statistics by the owner
    excluded_reason: str = Field(default="", max_length=500)
    excluded_by: int | None = None  # the user id of who excluded it
    excluded_at: datetime | None = None
    revise_requested_at: datetime | None = None


# The workspace's client table finds each enterprise's latest assessment (storage/workspace.py) by one seek in this
# index rather than a sort of the enterprise's assessments: half the time of a page at 2,000 clients.
Index("ix_assessment_enterprise_latest", Assessment.enterprise_id, Assessment.created_at, Assessment.id)


class RegionalReportJob(SQLModel, table=True):
    """An agency's regional report printed in the background: the comparison asked for, and the PDF once printed
    (kept for the user who asked only)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)  # who asked; no one else sees it
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None  # when a worker took it (a run silent too long has lost its worker)
    finished_at: datetime | None = None
    status: str = Field(default="queued", max_length=10)  # "queued", "running", "done", "failed" or "expired"
    language: str = Field(default="en", max_length=5)
    selection: dict = Field(sa_column=Column(JSON, nullable=False))  # the Selection's fields, as the page read them
    jurisdiction: str | None = Field(default=None, max_length=6)  # the user's, when asked (it bounds the regions)
    verified_only: bool = False
    weighted: bool = False
    file_name: str = Field(default="", max_length=200)  # the PDF's name for the download
    path: str = Field(default="", max_length=500)  # the PDF, once printed
