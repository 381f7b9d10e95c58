"""An enterprise in a real Chromium whose submitted assessment a consultant returned: it sees the reviewer's comment
under the answer, types a new answer, adds a file as evidence from the same page, and comes back to find the typed
answer kept and the file listed; the file downloads as an attachment under the name of what it is."""

from __future__ import annotations

from browser_pages import guard_offline
from playwright.sync_api import expect
from sqlmodel import Session, select

from factories import client_as, csrf_token, make_user
from storage.tables import Assessment, Enterprise, StoredAnswer

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_evidence_added_on_a_returned_page_keeps_the_typed_answer(app, live_server, page, survey, example_answers,
                                                                  tmp_path):
    token = survey.start()
    survey.answer_all(token, example_answers)
    survey.submit(token)
    consultant = make_user(app, "consultant", "li@consult.example", name="Li Ming")
    with Session(app.extensions["db_engine"]) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
        enterprise = session.get(Enterprise, assessment.enterprise_id)
        enterprise.consultant_id = consultant.id
        session.add(enterprise)
        session.commit()
        assessment_id = assessment.id
    reviewer = client_as(app, consultant)
    form = csrf_token(reviewer.get(f"/review/{assessment_id}").text)
    reviewer.post(f"/review/{assessment_id}/answer", data={
        "csrf_token": form, "revision": "1", "question_id": "en_connected_share", "decision": "returned",
        "comment": "Attach the machine list behind the 25 %."})
    reviewer.post(f"/review/{assessment_id}/return", data={"csrf_token": form, "revision": "1"})
    evidence = tmp_path / "machine list.pdf"
    evidence.write_bytes(PDF)
    outside = guard_offline(page, live_server)

    page.goto(f"{live_server}/a/{token}")  # the resume link: a returned assessment is a draft again
    page.goto(f"{live_server}/a/{token}/page/3")
    expect(page.locator("#evidence-en_connected_share .returned-comment")).to_contain_text(
        "Attach the machine list behind the 25 %.")
    page.fill('[name="en_connected_share"]', "40")  # typed, not saved yet
    page.click("#evidence-button-en_connected_share")
    expect(page.locator("#evidence-question")).to_be_visible()
    expect(page.locator("#returned-comment")).to_contain_text("Attach the machine list")
    page.set_input_files("#upload", str(evidence))
    page.fill("#comment", "Connected machines, March")
    page.click("#add-evidence")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator('[name="en_connected_share"]')).to_have_value("40")
    link = page.locator("#evidence-en_connected_share a", has_text="machine list.pdf")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    assert download_info.value.suggested_filename == "machine list.pdf"
    saved = tmp_path / "downloaded.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes() == PDF
    with Session(app.extensions["db_engine"]) as session:
        stored = session.exec(select(StoredAnswer.value).where(StoredAnswer.assessment_id == assessment_id,
                                                               StoredAnswer.question_id == "en_connected_share")).one()
    assert stored == 40
    assert outside == []
