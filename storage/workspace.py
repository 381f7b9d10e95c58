"""The consultant's client table: one row per visible enterprise with its latest assessment, searched, filtered,
sorted and paged in SQL, so that a page costs the same with 20 clients or 2,000."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, false, func, or_, select
from sqlmodel import Session, col

from assessment.classifications import load_regions
from storage.tables import Assessment, CampaignMember, Enterprise, Verification

PAGE_SIZE = 50  # rows a page: a screen or two of clients, and a query that stays small at any client count
MAX_SEARCH = 200  # the longest search worth running: an enterprise name is at most this long (NAME_MAX_LENGTH)
STATUSES = ("none", "draft", "returned", "submitted")  # "none": no assessment yet; "returned": sent back by a reviewer
VERIFIED = ("verified", "self_declared")  # of submitted assessments only
# Column keys the table sorts on. Region and industry sort by code, which groups a province's cities together.
SORTS = ("name", "region", "industry", "questionnaire", "status", "changed", "score")


@dataclass(frozen=True)
class ClientQuery:
    """What the table is asked for; every field comes from a GET parameter, already checked."""

    search: str = ""
    region_prefix: str = ""  # "37" for a province, "3701" for a city, "" for all
    industry: str = ""
    questionnaire: str = ""
    status: str = ""
    verified: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1


@dataclass(frozen=True)
class ClientRow:
    """One enterprise and what the table shows of its latest assessment (None fields: it has none)."""

    enterprise: Enterprise
    token: str | None
    questionnaire_id: str | None
    status: str  # one of STATUSES
    verified: bool
    changed: datetime
    score: float | None
    level: int | None


@dataclass(frozen=True)
class ClientPage:
    """A page of rows, the number of matching enterprises, and the page numbers after clamping."""

    rows: list[ClientRow]
    total: int
    page: int
    pages: int


def client_page(*, session: Session, user, query: ClientQuery) -> ClientPage:
    """The page of `user`'s visible enterprises matching `query` (a consultant its clients, an administrator all)."""
    latest = _latest_assessment_id()
    status = _status_expression()
    changed = func.coalesce(Assessment.updated_at, Enterprise.created_at)
    base = (
        select(Enterprise, Assessment.token, Assessment.questionnaire_id, status.label("status"),
               (Verification.status == "verified").label("verified"), changed.label("changed"),
               Assessment.overall_score, Assessment.overall_level)  # fmt: skip
        .outerjoin(Assessment, Assessment.id == latest)
        .outerjoin(Verification, Verification.assessment_id == Assessment.id)
        .where(*_conditions(user, query, status))
    )
    total = session.execute(_count(user, query, status, base)).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))  # ceiling division; an empty table still has its first page
    page = min(max(query.page, 1), pages)
    order = _sort_key(query.sort, status, changed)
    direction = order.desc() if query.descending else order.asc()
    ordered = base.order_by(direction.nulls_last(), func.lower(Enterprise.name), Enterprise.id)  # no score: last
    result = session.execute(ordered.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    rows = [ClientRow(enterprise=row[0], token=row[1], questionnaire_id=row[2], status=row[3], verified=bool(row[4]),
                      changed=row[5], score=row[6], level=row[7]) for row in result]  # fmt: skip
    return ClientPage(rows=rows, total=total, page=page, pages=pages)


def _count(user, query: ClientQuery, status, base):
    """The number of matching enterprises: on the enterprise table alone unless a filter asks about the assessment."""
    if query.questionnaire or query.status or query.verified:
        return select(func.count()).select_from(base.subquery())
    return select(func.count()).select_from(Enterprise).where(*_conditions(user, query, status))


def _latest_assessment_id():
    """The id of an enterprise's newest assessment, as a correlated subquery (the enterprise_id index serves it)."""
    return (
        select(Assessment.id)
        .where(Assessment.enterprise_id == Enterprise.id)
        .order_by(col(Assessment.created_at).desc(), col(Assessment.id).desc())
        .limit(1)
        .correlate(Enterprise)
        .scalar_subquery()
    )


def _status_expression():
    """The row's status in STATUSES: a returned assessment is a draft again, with its verification marked returned."""
    return case(
        (Assessment.id.is_(None), "none"),
        (Assessment.status == "submitted", "submitted"),
        (Verification.status == "returned", "returned"),
        else_="draft",
    )


def _conditions(user, query: ClientQuery, status) -> list:
    """Who may see what first (never widened by a filter), then the filters and the search."""
    conditions = [_visible(user)]
    if query.search:
        pattern = f"%{_escape_like(query.search.lower())}%"
        listed = exists().where(CampaignMember.enterprise_id == Enterprise.id,
                                func.lower(CampaignMember.credit_code).like(pattern, escape="\\"))  # fmt: skip
        conditions.append(or_(func.lower(Enterprise.name).like(pattern, escape="\\"), listed))
    if query.region_prefix:
        conditions.append(col(Enterprise.region_code).startswith(query.region_prefix, autoescape=True))
    if query.industry:
        conditions.append(Enterprise.industry_code == query.industry)
    if query.questionnaire:
        conditions.append(Assessment.questionnaire_id == query.questionnaire)
    if query.status:
        conditions.append(status == query.status)
    if query.verified == "verified":
        conditions.append(and_(Assessment.status == "submitted", Verification.status == "verified"))
    elif query.verified == "self_declared":
        conditions.append(and_(Assessment.status == "submitted",
                               or_(Verification.status.is_(None), Verification.status != "verified")))  # fmt: skip
    return conditions


def _visible(user):
    """The enterprises whose own data the user may see (storage/access.py says the same for one enterprise)."""
    if user.role == "admin":
        return Enterprise.id.is_not(None)
    if user.role == "consultant":
        return Enterprise.consultant_id == user.id
    if user.role == "enterprise" and user.enterprise_id is not None:
        return Enterprise.id == user.enterprise_id
    return false()


def _sort_key(sort: str, status, changed):
    """The column a sort key orders by."""
    return {
        "name": func.lower(Enterprise.name),
        "region": Enterprise.region_code,
        "industry": Enterprise.industry_code,
        "questionnaire": Assessment.questionnaire_id,
        "status": status,
        "changed": changed,
        "score": Assessment.overall_score,
    }.get(sort, func.lower(Enterprise.name))


def _escape_like(text: str) -> str:
    """A search text with LIKE's wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def region_prefix(code: str) -> str:
    """The code prefix shared by a region and the cities in it: 37 for a province, 3701 for a city; "" for all."""
    regions = load_regions()
    if code not in regions or code == regions.country.code:
        return ""
    return code[:2] if regions.get(code).level == "province" else code[:4]
