"""The agencies' regional report printed on the queue: the request records it and sends the user to a page that
shows its progress and offers the PDF once printed, to the user who asked and no one else.

The population is the weighted attack's (tests/web/test_weighted_attacks.py): Jinan, 5 enterprises, released with
k = 1; the queue runs at once in tests, so the report is printed before the page is shown."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from test_weighted_attacks import JINAN, SHANDONG, released

from factories import ask_regional_report, client_as, make_user
from jobs import regional_reports
from storage.tables import RegionalReportJob

QUERY = {"q": "quick_check", "period": "2026", "region": JINAN}


def analyst(app, **fields):
    return client_as(app, make_user(app, "agency", email=f"agency-{uuid.uuid4().hex[:8]}@example.org",
                                    jurisdiction=SHANDONG, **fields))  # fmt: skip


@pytest.fixture
def asked(app, quick):
    """An analyst who asked for Jinan's report (tables only: no browser), and the page it was sent to."""
    released(app, quick, k=1)
    app.config["CHROMIUM_PATH"] = "/nonexistent/chromium"
    client = analyst(app)
    response = ask_regional_report(client, QUERY)
    assert response.status_code == 303
    return client, response.headers["Location"]


def test_the_report_is_queued_then_offered_to_download(app, asked, tmp_path):
    client, page = asked
    assert page.startswith("/agencies/reports/")
    shown = client.get(page)
    assert shown.status_code == 200
    assert "The report is ready." in shown.text and f'href="{page}/report.pdf"' in shown.text
    assert 'http-equiv="refresh"' not in shown.text  # done: the page stops reloading itself
    pdf = client.get(page + "/report.pdf")
    pdf.get_data(), pdf.close()  # read whole, then the file it was sent from closed
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="imready-regions-quick_check-2026.pdf"'
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Jinan" in text
    with Session(app.extensions["db_engine"]) as session:
        job = session.get(RegionalReportJob, int(page.rsplit("/", 1)[1]))
        assert (job.status, job.selection["region_codes"], job.language) == ("done", [JINAN], "en")


def test_another_agency_user_cannot_see_or_fetch_the_report(app, asked):
    owner, page = asked
    found = owner.get(page + "/report.pdf")
    found.get_data(), found.close()
    assert found.status_code == 200  # it is there
    colleague = analyst(app)  # same role, same jurisdiction
    admin = client_as(app, make_user(app, "admin", email=f"admin-{uuid.uuid4().hex[:8]}@example.org"))
    for attacker in (colleague, admin):
        assert attacker.get(page).status_code == 404
        response = attacker.get(page + "/report.pdf")
        assert response.status_code == 404 and b"%PDF" not in response.data


def test_a_report_still_printing_reloads_and_a_failed_one_says_so(app, asked):
    client, page = asked
    job_id = int(page.rsplit("/", 1)[1])
    with Session(app.extensions["db_engine"]) as session:
        job = session.get(RegionalReportJob, job_id)
        job.status = "running"
        session.add(job)
        session.commit()
        shown = client.get(page)
        assert 'http-equiv="refresh"' in shown.text and "Printing the report." in shown.text
        assert client.get(page + "/report.pdf").status_code == 404  # not offered before it is done
        job.status = "failed"
        session.add(job)
        session.commit()
    shown = client.get(page)
    assert "The report could not be printed." in shown.text and "/report.pdf" not in shown.text


def test_a_report_that_fails_to_print_is_marked_failed(app, quick, monkeypatch):
    released(app, quick, k=1)

    def broken(**_kwargs):
        raise RuntimeError("the printer broke")

    monkeypatch.setattr("jobs.regional_reports.print_queued", broken)
    client = analyst(app)
    page = ask_regional_report(client, QUERY).headers["Location"]
    assert "The report could not be printed." in client.get(page).text
    with Session(app.extensions["db_engine"]) as session:
        job = session.get(RegionalReportJob, int(page.rsplit("/", 1)[1]))
        assert (job.status, job.path) == ("failed", "")


def test_the_page_reads_in_chinese(app, asked):
    client, page = asked
    client.get("/language/zh")
    shown = client.get(page)
    assert "报告已生成。" in shown.text and "下载 PDF" in shown.text and "返回区域对比" in shown.text
    assert "The report is ready." not in shown.text


def test_a_bad_query_is_refused_and_queues_nothing(app, quick):
    released(app, quick, k=1)
    response = analyst(app).get("/agencies/report.pdf", query_string={**QUERY, "period": "abc"})
    assert response.status_code == 400
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(RegionalReportJob)).all() == []


def jobs_of(app) -> list[RegionalReportJob]:
    with Session(app.extensions["db_engine"]) as session:
        return session.exec(select(RegionalReportJob)).all()


def test_a_link_cannot_print_a_report_only_the_pages_button_can(app, quick):
    # the attacker's page holds <img src="https://imready…/agencies/report.pdf?…"> or a POST form without the token:
    # an analyst's browser, signed in, follows it. Before, the GET itself queued a report every time.
    released(app, quick, k=1)
    client = analyst(app)
    for _ in range(5):
        shown = client.get("/agencies/report.pdf", query_string=QUERY)
        assert shown.status_code == 200 and 'id="print-report"' in shown.text  # what would be printed, and the button
    assert client.post("/agencies/report.pdf", query_string=QUERY).status_code == 400  # no token: refused
    assert jobs_of(app) == []
    assert ask_regional_report(client, QUERY).status_code == 303  # the button, with the token
    assert len(jobs_of(app)) == 1


def test_an_analyst_has_at_most_three_reports_waiting(app, quick):
    released(app, quick, k=1)
    user = make_user(app, "agency", email="busy@example.org", jurisdiction=SHANDONG)
    client = client_as(app, user)
    with Session(app.extensions["db_engine"]) as session:  # three waiting (a busy queue), as the worker left them
        session.add_all([RegionalReportJob(user_id=user.id, selection={}, status=status)
                         for status in ("queued", "queued", "running")])  # fmt: skip
        session.commit()
    refused = ask_regional_report(client, QUERY)
    assert refused.status_code == 429
    assert "You have 3 reports waiting or printing." in refused.text and 'id="print-report"' in refused.text
    assert len(jobs_of(app)) == 3  # nothing more queued
    assert ask_regional_report(analyst(app), QUERY).status_code == 303  # another analyst is not held up


def test_a_run_whose_worker_died_is_marked_failed_and_old_pdfs_are_deleted(app, asked):
    client, page = asked
    now = datetime.now(UTC)
    done = int(page.rsplit("/", 1)[1])
    pdf = Path(jobs_of(app)[0].path)
    assert pdf.is_file()
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        user_id = session.get(RegionalReportJob, done).user_id
        late = RegionalReportJob(user_id=user_id, selection={}, status="running",
                                 started_at=now - regional_reports.STALLED_AFTER - timedelta(minutes=1))
        busy = RegionalReportJob(user_id=user_id, selection={}, status="running", started_at=now - timedelta(minutes=2))
        session.add_all([late, busy])
        session.commit()
    with app.app_context():
        regional_reports.tidy()  # the PDF printed a moment ago stays; the run silent for 11 minutes has failed
    statuses = {job.id: job.status for job in jobs_of(app)}
    assert statuses == {done: "done", late.id: "failed", busy.id: "running"}
    assert pdf.is_file()
    with Session(app.extensions["db_engine"]) as session:
        job = session.get(RegionalReportJob, done)
        job.finished_at = now - regional_reports.KEPT_FOR - timedelta(minutes=1)
        session.add(job)
        session.commit()
    with app.app_context():
        regional_reports.tidy()
    assert not pdf.exists()
    assert {job.id: job.status for job in jobs_of(app)}[done] == "expired"
    shown = client.get(page)
    assert "This report was deleted 7 days after it was printed." in shown.text and "/report.pdf" not in shown.text
    assert client.get(page + "/report.pdf").status_code == 404
