"""The enterprise's export holds everything stored about it: also the KPIs it entered and the pages it assigned to
colleagues (never the links' hashes, which would let a reader act as the colleague)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

from sqlmodel import select

from storage.assessments import start_assessment
from storage.assignments import assign_pages
from storage.kpis import KpiValue, save_kpis
from storage.privacy import export_csv, export_enterprise
from storage.tables import EnterpriseBase, PageAssignment, User


def test_the_export_holds_kpis_and_page_assignments_but_no_link_hash(session, catalog):
    quick = catalog.get("quick_check", "2.0")
    profile = EnterpriseBase(name="Qingdao Precision Parts", region_code="370200", industry_code="34",
                             industry_type="discrete", employees=120, revenue_million_yuan=50, size_class="small")
    draft = start_assessment(session=session, profile=profile, questionnaire=quick)
    owner = User(email="me@enterprise.example", role="enterprise", enterprise_id=draft.enterprise_id,
                 password_hash="x")
    session.add(owner)
    session.commit()
    save_kpis(session=session, assessment=draft, values={
        "oee": KpiValue("oee", 61.5, "%", date(2026, 1, 1), date(2026, 6, 30))})
    _, secret = assign_pages(session=session, assessment=draft, questionnaire=quick, email="wang@enterprise.example",
                             pages=[quick.dimensions[1].id], by=owner)
    token_hash = session.exec(select(PageAssignment)).one().token_hash

    archive = zipfile.ZipFile(io.BytesIO(export_csv(session=session, enterprise_id=draft.enterprise_id)))
    kpis = list(csv.DictReader(io.StringIO(archive.read("kpis.csv").decode("utf-8-sig"))))
    assert [(k["kpi"], k["value"], k["unit"], k["period_start"], k["period_end"]) for k in kpis] == [
        ("oee", "61.5", "%", "2026-01-01", "2026-06-30")]
    assigned = list(csv.DictReader(io.StringIO(archive.read("page_assignments.csv").decode("utf-8-sig"))))
    assert [(a["email"], a["pages"]) for a in assigned] == [("wang@enterprise.example", quick.dimensions[1].id)]
    exported = export_enterprise(session=session, enterprise_id=draft.enterprise_id)
    assert [k["kpi"] for k in exported["assessments"][0]["kpis"]] == ["oee"]
    assert exported["assessments"][0]["page_assignments"][0]["email"] == "wang@enterprise.example"
    everything = json.dumps(exported) + "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    assert token_hash not in everything and secret not in everything
