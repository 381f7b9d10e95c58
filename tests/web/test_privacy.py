"""An enterprise's rights over its data: consent to count in benchmarks (effective at the next rebuild), export of
everything as JSON and as CSV files, deletion of the enterprise with its data (and of its user's account)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, select

from assessment.classifications import load_regions, size_class
from assessment.cohorts.groups import ALL
from factories import SurveyActions, client_as, csrf_token, make_user, publish, result_with
from storage.assessments import start_assessment, start_reassessment, submit_assessment
from storage.privacy import CSV_FILES, delete_enterprise
from storage.statistics import latest_release, record_submission
from storage.tables import (
    ActionDone,
    Assessment,
    AuditEvent,
    BenchmarkEntry,
    CohortStat,
    Enterprise,
    NodeScore,
    ReportBatch,
    StoredAnswer,
    User,
)

QINGDAO, JINAN, SHANDONG = "370200", "370100", "370000"
NOW = datetime.now(UTC)
# the profile SurveyActions fills in: Qingdao, division 34, 120 employees and 50 million yuan
SIZE = size_class(120, 50)


def other_enterprise(db, questionnaire, *, region=QINGDAO, overall=2.0, when=NOW, name="Other") -> Enterprise:
    """Another enterprise (division 34, the member's size class) with one submitted, recorded assessment."""
    profile = Enterprise(name=name, region_code=region, industry_code="34", industry_type="discrete", employees=120,
                         revenue_million_yuan=50, size_class=SIZE)
    assessment = start_assessment(session=db, profile=profile, questionnaire=questionnaire)
    enterprise = db.get(Enterprise, assessment.enterprise_id)
    submitted(db, questionnaire, assessment, enterprise, overall, when)
    return enterprise


def submitted(db, questionnaire, assessment, enterprise, overall=2.0, when=NOW):
    """Submit and record an assessment as the survey's submit button does for a confirmed account."""
    result = result_with(questionnaire, overall)
    submit_assessment(session=db, assessment=assessment, questionnaire=questionnaire, result=result, submitted_at=when)
    return record_submission(session=db, assessment=assessment, questionnaire=questionnaire, result=result,
                             enterprise=enterprise, trust="account")


@pytest.fixture
def member(app, client, example_answers):
    """An enterprise that took the quick check through the pages (not signed in), and its user, signed in."""
    survey = SurveyActions(client, app)
    token = survey.start()
    survey.answer_all(token, example_answers)
    assert survey.submit(token).status_code == 302
    with Session(app.extensions["db_engine"]) as session:
        enterprise_id = session.exec(select(Assessment.enterprise_id).where(Assessment.token == token)).one()
        # its owner confirmed the address: the submission counts in releases as a confirmed account's
        session.execute(BenchmarkEntry.__table__.update().values(trust="account"))
        session.commit()
    user = make_user(app, "enterprise", email="owner@example.org", enterprise_id=enterprise_id)
    return enterprise_id, user, client_as(app, user)


def count(db, region: str, industry: str = ALL, size: str = ALL, period: int = NOW.year) -> int | None:
    """The count of one cohort in the latest release (None: no statistics for it)."""
    db.expire_all()
    row = db.get(CohortStat, (latest_release(session=db).id, "quick_check", period, 0, region, industry, size))
    return None if row is None else row.count


def stored(db) -> list[tuple]:
    """Every statistic of the latest release, for comparing before and after."""
    db.expire_all()
    rows = db.exec(select(CohortStat).where(CohortStat.release_id == latest_release(session=db).id)).all()
    return sorted((r.questionnaire_id, r.period, r.base_period, r.region_code, r.industry, r.size, r.count,
                   r.synthetic, r.suppressed or "", str(r.stats)) for r in rows)


def counts_only(db) -> list[tuple]:
    return [row[:9] for row in stored(db)]


def form_token(client, enterprise_id: int) -> str:
    return csrf_token(client.get(f"/workspace/enterprise/{enterprise_id}/data").text)


# --- consent ----------------------------------------------------------------------------------------------------


def test_consent_is_on_by_default_and_shown_clearly(app, member):
    enterprise_id, _user, client = member
    page = client.get(f"/workspace/enterprise/{enterprise_id}/data")
    assert page.status_code == 200
    assert 'data-consent="on"' in page.text and "Counted in benchmarks: ON" in page.text
    assert "next rebuild of the statistics" in page.text
    home = client.get("/workspace/").text
    assert f'href="/workspace/enterprise/{enterprise_id}/data"' in home and "Counted in benchmarks: ON" in home


def test_withdrawn_consent_counts_from_the_next_rebuild(app, db, quick, member):
    enterprise_id, _user, client = member
    for number in range(5):
        other_enterprise(db, quick, name=f"Qingdao {number}")
    other_enterprise(db, quick, region=JINAN, name="Jinan")
    catalog, country = app.extensions["questionnaires"], load_regions().country.code
    publish(db, catalog)
    # by hand: the member and five others in Qingdao / 34 / its size; one more in Jinan; all in Shandong
    assert count(db, QINGDAO, "34", SIZE) == 6
    assert count(db, SHANDONG) == 7 and count(db, country) == 7 and count(db, JINAN) == 1
    before = stored(db)

    response = client.post(f"/workspace/enterprise/{enterprise_id}/consent",
                           data={"consent": "off", "csrf_token": form_token(client, enterprise_id)})
    assert response.status_code == 302
    page = client.get(f"/workspace/enterprise/{enterprise_id}/data").text
    assert 'data-consent="off"' in page and "from the next rebuild of the statistics" in page
    db.expire_all()
    assert db.get(Enterprise, enterprise_id).benchmark_consent is False
    assert db.exec(select(AuditEvent).where(AuditEvent.enterprise_id == enterprise_id,
                                            AuditEvent.detail == "benchmark consent off")).one().action == "change"
    assert stored(db) == before  # nothing changes until the rebuild

    publish(db, catalog)
    assert count(db, QINGDAO, "34", SIZE) == 5
    assert count(db, SHANDONG) == 6 and count(db, country) == 6 and count(db, JINAN) == 1
    # its entry is still recorded; only the statistics leave it out
    assert db.exec(select(BenchmarkEntry).where(BenchmarkEntry.enterprise_id == enterprise_id)).one()

    client.post(f"/workspace/enterprise/{enterprise_id}/consent",
                data={"consent": "on", "csrf_token": form_token(client, enterprise_id)})
    assert count(db, country) == 6
    publish(db, catalog)
    assert count(db, country) == 7


def test_entries_are_still_recorded_without_consent_but_never_counted(app, db, quick):
    catalog, country = app.extensions["questionnaires"], load_regions().country.code
    quiet = other_enterprise(db, quick, name="Quiet")
    quiet.benchmark_consent = False
    db.add(quiet)
    db.commit()
    for number in range(5):
        other_enterprise(db, quick, name=f"Counted {number}")
    publish(db, catalog)
    assert count(db, country) == 5 and count(db, QINGDAO, "34", SIZE) == 5
    # it assesses itself again: its entry follows, and the next release leaves it out too
    submitted(db, quick, start_reassessment(session=db, enterprise=quiet, questionnaire=quick), quiet,
              overall=4.0, when=datetime(NOW.year, 12, 31, 23, 59, tzinfo=UTC))
    publish(db, catalog)
    assert count(db, country) == 5
    assert len(db.exec(select(BenchmarkEntry)).all()) == 6


# --- export -----------------------------------------------------------------------------------------------------


def test_the_json_export_holds_the_answers_and_the_result(app, db, member, example_answers):
    enterprise_id, _user, client = member
    response = client.get(f"/workspace/enterprise/{enterprise_id}/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = response.get_json()
    assessment = db.exec(select(Assessment).where(Assessment.enterprise_id == enterprise_id)).one()
    assert data["enterprise"]["name"] == "Qingdao Precision Parts" and data["enterprise"]["benchmark_consent"]
    [exported] = data["assessments"]
    assert exported["status"] == "submitted"
    assert exported["answers"] == {row.question_id: row.value for row in db.exec(
        select(StoredAnswer).where(StoredAnswer.assessment_id == assessment.id))}
    assert set(exported["answers"]) == set(example_answers)
    assert exported["result"] == assessment.result and exported["overall_score"] == assessment.overall_score
    assert len(exported["scores"]) == len(db.exec(select(NodeScore).where(NodeScore.assessment_id == assessment.id))
                                          .all())
    assert data["users"] == [{"email": "owner@example.org", "name": "", "role": "enterprise"}]
    assert "password" not in response.text and "scrypt" not in response.text
    assert assessment.token not in response.text  # the resume link is a credential
    assert db.exec(select(AuditEvent).where(AuditEvent.enterprise_id == enterprise_id,
                                            AuditEvent.action == "export")).one().detail == "data export (JSON)"
    again = client.get(f"/workspace/enterprise/{enterprise_id}/export.json").get_json()
    assert [event["action"] for event in again["audit_events"]] == ["export"]
    assert again["audit_events"][0]["user"] == "owner@example.org"


def test_the_csv_export_has_one_file_per_table(app, db, member, example_answers):
    enterprise_id, _user, client = member
    response = client.get(f"/workspace/enterprise/{enterprise_id}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert set(archive.namelist()) == set(CSV_FILES) >= {"enterprise.csv", "assessments.csv", "answers.csv",
                                                         "scores.csv"}

    def rows(name: str) -> list[dict]:
        return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))

    assessment = db.exec(select(Assessment).where(Assessment.enterprise_id == enterprise_id)).one()
    [enterprise] = rows("enterprise.csv")
    assert (enterprise["name"], enterprise["region_code"], enterprise["benchmark_consent"]) == (
        "Qingdao Precision Parts", QINGDAO, "true")
    [exported] = rows("assessments.csv")
    assert (int(exported["id"]), float(exported["overall_score"])) == (assessment.id, assessment.overall_score)
    answers = rows("answers.csv")
    assert len(answers) == len(example_answers)  # one row per answer
    assert {row["question_id"] for row in answers} == set(example_answers)
    scores = rows("scores.csv")
    stored_scores = db.exec(select(NodeScore).where(NodeScore.assessment_id == assessment.id)).all()
    assert len(scores) == len(stored_scores) > 0
    overall = next(row for row in scores if row["kind"] == "overall")
    assert float(overall["score"]) == pytest.approx(assessment.overall_score)
    assert rows("users.csv") == [{"email": "owner@example.org", "name": "", "role": "enterprise"}]
    assert db.exec(select(AuditEvent).where(AuditEvent.enterprise_id == enterprise_id,
                                            AuditEvent.action == "export")).one().detail == "data export (CSV)"


# --- who may ----------------------------------------------------------------------------------------------------


def test_another_enterprises_data_is_not_found(app, db, quick, member):
    enterprise_id, _user, client = member
    other = other_enterprise(db, quick)
    token = form_token(client, enterprise_id)
    base = f"/workspace/enterprise/{other.id}"
    assert client.get(f"{base}/data").status_code == 404
    assert client.get(f"{base}/export.json").status_code == 404
    assert client.get(f"{base}/export.zip").status_code == 404
    assert client.post(f"{base}/consent", data={"consent": "off", "csrf_token": token}).status_code == 404
    assert client.post(f"{base}/delete", data={"confirm_name": "Other", "csrf_token": token}).status_code == 404
    assert client.get("/workspace/enterprise/999999/data").status_code == 404
    db.expire_all()
    assert db.get(Enterprise, other.id).benchmark_consent is True
    # a consultant works with its clients' assessments, but their data rights are theirs
    consultant = make_user(app, "consultant")
    other.consultant_id = consultant.id
    db.add(other)
    db.commit()
    assert client_as(app, consultant).get(f"{base}/data").status_code == 403
    assert client_as(app, consultant).get(f"{base}/export.json").status_code == 403


# --- deletion ---------------------------------------------------------------------------------------------------


def test_a_wrong_confirmation_keeps_everything_and_says_why(app, db, member):
    enterprise_id, user, client = member
    before = (len(db.exec(select(Assessment)).all()), len(db.exec(select(StoredAnswer)).all()),
              len(db.exec(select(BenchmarkEntry)).all()))
    response = client.post(f"/workspace/enterprise/{enterprise_id}/delete",
                           data={"confirm_name": "Qingdao Parts", "csrf_token": form_token(client, enterprise_id)})
    assert response.status_code == 400
    assert ("You typed &#34;Qingdao Parts&#34;, which is not the enterprise&#39;s name &#34;Qingdao Precision "
            "Parts&#34;. Nothing was deleted.") in response.text
    response = client.post(f"/workspace/enterprise/{enterprise_id}/delete",
                           data={"confirm_name": " ", "csrf_token": form_token(client, enterprise_id)})
    assert response.status_code == 400 and "to confirm. Nothing was deleted." in response.text
    db.expire_all()
    assert db.get(Enterprise, enterprise_id) is not None and db.get(User, user.id).enterprise_id == enterprise_id
    assert before == (len(db.exec(select(Assessment)).all()), len(db.exec(select(StoredAnswer)).all()),
                      len(db.exec(select(BenchmarkEntry)).all()))
    assert client.get("/workspace/").status_code == 200  # still signed in
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "delete")).all()


def test_deleting_removes_the_data_and_the_account_and_signs_out(app, db, quick, member):
    enterprise_id, user, client = member
    colleague = make_user(app, "enterprise", email="colleague@example.org", enterprise_id=enterprise_id)
    for number in range(5):
        other_enterprise(db, quick, name=f"Qingdao {number}")
    catalog, country = app.extensions["questionnaires"], load_regions().country.code
    publish(db, catalog)
    assert count(db, country) == 6 and count(db, QINGDAO, "34", SIZE) == 6
    ids = db.exec(select(Assessment.id).where(Assessment.enterprise_id == enterprise_id)).all()
    assert ids and db.exec(select(StoredAnswer).where(col(StoredAnswer.assessment_id).in_(ids))).all()
    db.add(ActionDone(enterprise_id=enterprise_id, questionnaire_id="quick_check", dimension="operations", level=2))
    db.commit()

    response = client.post(f"/workspace/enterprise/{enterprise_id}/delete", data={
        "confirm_name": "Qingdao Precision Parts", "csrf_token": form_token(client, enterprise_id)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with client.session_transaction() as flask_session:
        assert "_user_id" not in flask_session
    assert "/account/sign-in" in client.get("/workspace/").headers["Location"]

    db.expire_all()
    assert db.get(Enterprise, enterprise_id) is None
    assert db.exec(select(Assessment).where(Assessment.enterprise_id == enterprise_id)).all() == []
    assert db.exec(select(StoredAnswer).where(col(StoredAnswer.assessment_id).in_(ids))).all() == []
    assert db.exec(select(NodeScore).where(col(NodeScore.assessment_id).in_(ids))).all() == []
    assert db.exec(select(BenchmarkEntry).where(BenchmarkEntry.enterprise_id == enterprise_id)).all() == []
    assert db.exec(select(ActionDone).where(ActionDone.enterprise_id == enterprise_id)).all() == []
    assert db.get(User, user.id) is None  # "delete my account and data"
    assert db.get(User, colleague.id).enterprise_id is None  # another person's account stays, unlinked
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "delete")).all()
    assert (event.enterprise_id, event.user_id) == (enterprise_id, user.id)
    assert "1 assessments" in event.detail and "1 accounts deleted" in event.detail
    # the release made before stays as it was; the next one no longer counts it
    assert count(db, country) == 6
    publish(db, catalog)
    assert count(db, country) == 5 and count(db, QINGDAO, "34", SIZE) == 5


def test_an_administrator_deletes_on_request_and_accounts_are_kept(app, db, quick, member):
    enterprise_id, user, _client = member
    admin = client_as(app, make_user(app, "admin"))
    page = admin.get(f"/workspace/enterprise/{enterprise_id}/data")
    assert "Delete this enterprise and its data" in page.text
    response = admin.post(f"/workspace/enterprise/{enterprise_id}/delete",
                          data={"confirm_name": "Qingdao Precision Parts", "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302 and response.headers["Location"] == "/workspace/"
    assert admin.get("/workspace/").status_code == 200
    db.expire_all()
    assert db.get(Enterprise, enterprise_id) is None
    assert db.get(User, user.id).enterprise_id is None


def test_deleting_the_last_entry_of_a_period(app, db, quick):
    """The enterprise was alone in a period: from the next release on that period's statistics are gone, and the
    next period's changes are measured from the period before it."""
    catalog = app.extensions["questionnaires"]
    for number in range(5):
        steady = other_enterprise(db, quick, when=datetime(2024, 5, 1, tzinfo=UTC), name=f"Steady {number}")
        again = start_reassessment(session=db, enterprise=steady, questionnaire=quick)
        submitted(db, quick, again, steady, overall=3.0, when=datetime(2026, 5, 1, tzinfo=UTC))
    lone = other_enterprise(db, quick, when=datetime(2025, 5, 1, tzinfo=UTC), name="Lone")
    assessment_id = db.exec(select(Assessment.id).where(Assessment.enterprise_id == lone.id)).one()
    batch = ReportBatch(settings={}, assessment_ids=[assessment_id], status="done", path="",
                        failures=[{"id": assessment_id, "name": "Lone", "error": "x"}])
    db.add(batch)
    db.commit()
    publish(db, catalog)
    # the 2026 change since 2025 is empty: nobody was assessed in both
    assert {row[1:3] for row in counts_only(db)} == {(2024, 0), (2025, 0), (2026, 0)}

    deletion = delete_enterprise(session=db, enterprise_id=lone.id)
    assert (deletion.assessments, deletion.benchmark_entries) == (1, 1)
    assert {row[1:3] for row in counts_only(db)} == {(2024, 0), (2025, 0), (2026, 0)}  # the release is kept
    publish(db, catalog)
    assert {row[1:3] for row in counts_only(db)} == {(2024, 0), (2026, 0), (2026, 2024)}
    db.expire_all()
    assert db.get(ReportBatch, batch.id).failures == []
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "delete")).one().enterprise_id == lone.id
