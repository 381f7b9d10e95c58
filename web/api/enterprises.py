"""The API's enterprises: those an account may see, adding one, and one with its assessments."""

from __future__ import annotations

from flask import url_for
from sqlmodel import col, select

from assessment.classifications import load_industries, size_class
from storage.access import can_see_enterprise, visible_enterprises
from storage.db import get_session
from storage.tables import Assessment, Enterprise
from storage.verification import standing
from web.api import schemas
from web.api.core import OWN_DATA, ApiError, api_user, audit, operation, timestamp


def enterprise_data(enterprise: Enterprise) -> dict:
    return {"id": enterprise.id, "name": enterprise.name, "region_code": enterprise.region_code,
            "industry_code": enterprise.industry_code, "industry_type": enterprise.industry_type,
            "employees": enterprise.employees, "revenue_million_yuan": float(enterprise.revenue_million_yuan),
            "size_class": enterprise.size_class, "synthetic": enterprise.synthetic,
            "benchmark_consent": enterprise.benchmark_consent, "consultant_id": enterprise.consultant_id,
            "created_at": timestamp(enterprise.created_at)}


def visible_enterprise(enterprise_id: int) -> Enterprise:
    """The enterprise, if the token's user may see it; 404 alike for one that does not exist and one not theirs."""
    enterprise = get_session().get(Enterprise, enterprise_id)
    if enterprise is None or not can_see_enterprise(api_user(), enterprise):
        raise ApiError(404, f"There is no enterprise {enterprise_id} that this account may see.")
    return enterprise


@operation("GET", "/enterprises", summary="The enterprises this account may see", roles=OWN_DATA,
           response=schemas.EnterpriseList, tag="enterprises")
def list_enterprises():
    """An enterprise user's own enterprise, a consultant's clients, every enterprise for an administrator (at most
    500, by name), as the workspace page lists them."""
    enterprises = visible_enterprises(session=get_session(), user=api_user())
    return {"enterprises": [enterprise_data(enterprise) for enterprise in enterprises]}


@operation("POST", "/enterprises", summary="Add an enterprise", roles=OWN_DATA, body=schemas.EnterpriseCreate,
           response=schemas.Enterprise, status=201, tag="enterprises")
def create_enterprise(body: schemas.EnterpriseCreate):
    """A consultant's new enterprise becomes its client; an enterprise user's becomes its own (only while the
    account has none). The industry type follows from the division and the size class from employees and
    revenue, as on the profile page."""
    user, session = api_user(), get_session()
    if user.role == "enterprise" and user.enterprise_id is not None:
        raise ApiError(403, "This account already belongs to an enterprise.", code="has_enterprise")
    industry = load_industries()[body.industry_code]
    enterprise = Enterprise(name=body.name, region_code=body.region_code, industry_code=industry.code,
                            industry_type=industry.type, employees=body.employees,
                            revenue_million_yuan=body.revenue_million_yuan,
                            size_class=size_class(body.employees, body.revenue_million_yuan),
                            consultant_id=user.id if user.role == "consultant" else None)  # fmt: skip
    session.add(enterprise)
    session.flush()
    if user.role == "enterprise":
        user.enterprise_id = enterprise.id
        session.add(user)
    session.commit()
    audit("change", enterprise_id=enterprise.id, detail=f"enterprise created by {user.role}")
    return enterprise_data(enterprise), {"Location": url_for(".get_enterprise", enterprise_id=enterprise.id)}


@operation("GET", "/enterprises/<int:enterprise_id>", summary="One enterprise and its assessments", roles=OWN_DATA,
           response=schemas.EnterpriseDetail, tag="enterprises")
def get_enterprise(enterprise_id: int):
    """The profile and every assessment, newest first."""
    enterprise = visible_enterprise(enterprise_id)
    assessments = get_session().exec(select(Assessment).where(Assessment.enterprise_id == enterprise.id)
                                     .order_by(col(Assessment.created_at).desc(), col(Assessment.id).desc())).all()
    audit("view", enterprise_id=enterprise.id, detail="enterprise")
    return {**enterprise_data(enterprise), "assessments": [
        {"id": a.id, "questionnaire_id": a.questionnaire_id, "questionnaire_version": a.questionnaire_version,
         "status": a.status, "created_at": timestamp(a.created_at), "submitted_at": timestamp(a.submitted_at),
         "overall_score": a.overall_score, "overall_level": a.overall_level,
         "verification": schemas.verification_data(standing(session=get_session(), assessment=a))}
        for a in assessments]}
