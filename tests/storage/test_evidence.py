"""Evidence behind answers: what a file is, told from its content; the limits; where files go on disk and that they
leave it with their enterprise; and that backups and the enterprise's export carry them."""

from __future__ import annotations

import csv
import io
import json
import stat
import zipfile

import pytest
from openpyxl import Workbook
from sqlmodel import select

from factories import EXAMPLES
from storage.assessments import save_answers, start_assessment
from storage.backup import restore_backup, write_backup
from storage.db import make_engine
from storage.evidence import (
    MAX_ASSESSMENT_BYTES,
    MAX_FILE_BYTES,
    EvidenceRefused,
    add_file,
    add_link,
    check_url,
    download_name,
    evidence_of,
    remove,
    sniff,
)
from storage.privacy import delete_enterprise, export_csv, export_enterprise
from storage.tables import AuditEvent, EnterpriseBase, Evidence

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
JPEG = b"\xff\xd8\xff\xe0" + bytes(32)


def xlsx() -> bytes:
    book = Workbook()
    book.active["A1"] = "OEE"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def office_zip(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(("data", "kind"), [
    (PDF, "pdf"),
    (PNG, "png"),
    (JPEG, "jpeg"),
    (xlsx(), "xlsx"),
    (office_zip("[Content_Types].xml", "word/document.xml"), "docx"),
    ("设备,OEE\n数控车床,0.62\n".encode(), "csv"),  # UTF-8
    ("设备,OEE\n数控车床,0.62\n".encode("gbk"), "csv"),  # what Excel on a Chinese Windows writes
    (b"\xef\xbb\xbfline,count\r\nA,3\r\n", "csv"),  # with a byte-order mark
    (office_zip("[Content_Types].xml", "ppt/presentation.xml"), None),  # PowerPoint: not offered
    (office_zip("word/document.xml"), None),  # a ZIP dressed as DOCX, without the content types
    (b"PK\x03\x04 not really a zip", None),
    (b"<html><script>alert(1)</script></html>", None),  # HTML named .csv
    (b"  <svg onload=alert(1)>", None),
    (b"MZ\x90\x00\x03\x00\x00\x00", None),  # a Windows program
    (b"a,b\n\x00\x01,c\n", None),  # binary control characters
    (b"\xff\xfe\x00\x00", None),  # not text in any encoding taken
    (b"   \n", None),  # nothing
])  # fmt: skip
def test_a_file_is_what_its_content_says(data, kind):
    assert sniff(data) == kind


@pytest.mark.parametrize(("filename", "kind", "offered"), [
    ("report.exe", "pdf", "report.pdf"),  # the extension is the content's, never the name's
    ("photo.PNG", "png", "photo.png"),
    ("scan.jpeg", "jpeg", "scan.jpg"),
    ("../../etc/passwd", "csv", "passwd.csv"),  # no path survives
    ("C:\\Users\\li\\OEE 2025.xlsx", "xlsx", "OEE 2025.xlsx"),
    ('a"b<c>.docx', "docx", "a_b_c.docx"),  # quotes and brackets become _, none left at the ends
    ("...", "pdf", "evidence.pdf"),
    ("设备台账.csv", "csv", "设备台账.csv"),
])  # fmt: skip
def test_a_file_is_offered_under_its_own_name_with_the_extension_of_what_it_is(filename, kind, offered):
    assert download_name(filename, kind) == offered


@pytest.mark.parametrize(("url", "kept"), [
    ("https://example.org/audit/2025.pdf", True),
    ("  http://intranet.example.cn/a?b=1  ", True),
    ("javascript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("ftp://example.org/file", False),
    ("https://", False),  # no host
    ("//example.org/a", False),  # no scheme
    ("https://example.org/a b", False),
    ("https://example.org/\x00", False),
    ("https://example.org/" + "a" * 2000, False),  # longer than MAX_URL (2,000)
])  # fmt: skip
def test_only_http_and_https_links_are_kept(url, kept):
    if kept:
        assert check_url(url) == url.strip()
    else:
        with pytest.raises(EvidenceRefused) as refused:
            check_url(url)
        assert refused.value.reason == "url"


@pytest.fixture
def draft(session, catalog):
    """A draft quick-check assessment (version 1.0: the engine is tested here, not the content)."""
    profile = EnterpriseBase(name="Qingdao Precision Parts", region_code="370200", industry_code="34",
                             industry_type="discrete", employees=120, revenue_million_yuan=50, size_class="small")
    return start_assessment(session=session, profile=profile, questionnaire=catalog.get("quick_check", "1.0"))


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "instance" / "evidence"


def test_a_file_is_kept_outside_the_database_under_a_random_name_readable_by_the_app_only(session, draft, folder):
    evidence = add_file(session=session, folder=folder, assessment=draft, question_id="ds_data",
                        filename="backup log.pdf", data=PDF, comment="Weekly backup, March")
    other = add_file(session=session, folder=folder, assessment=draft, question_id="ds_data",
                     filename="backup log.pdf", data=PDF)
    assert (evidence.kind, evidence.filename, evidence.size) == ("pdf", "backup log.pdf", len(PDF))
    assert len(evidence.stored_name) == 32 and evidence.stored_name != other.stored_name
    path = folder / evidence.stored_name
    assert path.read_bytes() == PDF
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == sorted([evidence.stored_name, other.stored_name])
    assert [e.id for e in evidence_of(session=session, assessment=draft)["ds_data"]] == [evidence.id, other.id]
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "evidence_add")).all()
    assert [(e.assessment_id, e.detail) for e in events] == [
        (draft.id, "evidence file added to ds_data: backup log.pdf")] * 2


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (b"MZ\x90\x00", "kind"),
    (b"%PDF-" + bytes(MAX_FILE_BYTES - 4), "size"),  # one byte over 10 MB
])  # fmt: skip
def test_a_refused_file_leaves_nothing_behind(session, draft, folder, data, reason):
    with pytest.raises(EvidenceRefused) as refused:
        add_file(session=session, folder=folder, assessment=draft, question_id="ds_data", filename="x.pdf", data=data)
    assert refused.value.reason == reason
    assert not folder.exists() or not any(folder.iterdir())
    assert session.exec(select(Evidence)).all() == []


def test_the_files_of_one_assessment_stay_within_50_mb_together(session, draft, folder):
    largest = b"%PDF-" + bytes(MAX_FILE_BYTES - 5)  # exactly 10 MB
    for _ in range(MAX_ASSESSMENT_BYTES // MAX_FILE_BYTES):  # 5 x 10 MB = 50 MB: still allowed
        add_file(session=session, folder=folder, assessment=draft, question_id="ds_data", filename="a.pdf",
                 data=largest)
    with pytest.raises(EvidenceRefused) as refused:  # 50 MB + 4 bytes
        add_file(session=session, folder=folder, assessment=draft, question_id="ds_data", filename="b.csv",
                 data=b"a,b\n")
    assert refused.value.reason == "total"
    add_link(session=session, assessment=draft, question_id="ds_data", url="https://example.org/more")  # no bytes


def test_removing_evidence_removes_its_file(session, draft, folder):
    evidence = add_file(session=session, folder=folder, assessment=draft, question_id="ds_data", filename="a.png",
                        data=PNG)
    path = folder / evidence.stored_name
    remove(session=session, folder=folder, evidence=evidence)
    assert not path.exists()
    assert session.exec(select(Evidence)).all() == []
    assert session.exec(select(AuditEvent.action).where(AuditEvent.assessment_id == draft.id)).all() == [
        "evidence_add", "evidence_remove"]


def test_deleting_the_enterprise_removes_its_evidence_files_and_no_one_elses(session, catalog, draft, folder):
    mine = add_file(session=session, folder=folder, assessment=draft, question_id="ds_data", filename="a.pdf",
                    data=PDF)
    add_link(session=session, assessment=draft, question_id="sp_strategy", url="https://example.org/plan")
    profile = EnterpriseBase(name="Other", region_code="370200", industry_code="34", industry_type="discrete",
                             employees=10, revenue_million_yuan=5, size_class="micro")
    other = start_assessment(session=session, profile=profile, questionnaire=catalog.get("quick_check", "1.0"))
    theirs = add_file(session=session, folder=folder, assessment=other, question_id="ds_data", filename="b.pdf",
                      data=PDF)
    delete_enterprise(session=session, enterprise_id=draft.enterprise_id, evidence_folder=folder)
    assert not (folder / mine.stored_name).exists()
    assert (folder / theirs.stored_name).exists()
    assert [e.id for e in session.exec(select(Evidence)).all()] == [theirs.id]


def test_the_enterprise_export_holds_its_evidence_files_and_links(session, draft, folder):
    save_answers(session=session, assessment=draft, answers={"ds_data": 2})
    add_file(session=session, folder=folder, assessment=draft, question_id="ds_data", filename="OEE.xlsx",
             data=xlsx(), comment="=HYPERLINK(\"x\")")
    add_link(session=session, assessment=draft, question_id="ds_data", url="https://example.org/audit")
    archive = zipfile.ZipFile(io.BytesIO(export_csv(session=session, enterprise_id=draft.enterprise_id,
                                                    evidence_folder=folder)))
    rows = list(csv.DictReader(io.StringIO(archive.read("evidence.csv").decode("utf-8-sig"))))
    assert [(r["question_id"], r["kind"], r["filename"], r["url"]) for r in rows] == [
        ("ds_data", "xlsx", "OEE.xlsx", ""), ("ds_data", "link", "", "https://example.org/audit")]
    assert rows[0]["comment"] == "'=HYPERLINK(\"x\")"  # a formula is not run by the spreadsheet
    assert archive.read(rows[0]["file"]) == xlsx_bytes(folder)
    assessments = list(csv.DictReader(io.StringIO(archive.read("assessments.csv").decode("utf-8-sig"))))
    assert [(a["verification"], a["verified_by"]) for a in assessments] == [("self-declared", "")]
    exported = export_enterprise(session=session, enterprise_id=draft.enterprise_id)
    assert [e["kind"] for e in exported["assessments"][0]["evidence"]] == ["xlsx", "link"]
    assert exported["assessments"][0]["verification"] == "self-declared"
    json.dumps(exported)  # JSON-ready


def xlsx_bytes(folder) -> bytes:
    """The one XLSX file in the folder."""
    (path,) = [p for p in folder.iterdir() if p.read_bytes().startswith(b"PK")]
    return path.read_bytes()


def test_a_backup_carries_the_evidence_files_and_a_restore_puts_them_back(app, session, draft, folder, tmp_path):
    evidence = add_file(session=session, folder=folder, assessment=draft, question_id="ds_data", filename="a.jpg",
                        data=JPEG)
    add_link(session=session, assessment=draft, question_id="ds_data", url="https://example.org/a")
    dump = tmp_path / "dump.jsonl.gz"
    counts = write_backup(engine=app.extensions["db_engine"], path=dump, evidence_folder=folder)
    assert counts["evidence"] == 2
    restored_folder = tmp_path / "elsewhere" / "evidence"
    engine = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    try:
        restore_backup(engine=engine, path=dump, evidence_folder=restored_folder)
    finally:
        engine.dispose()
    assert [p.name for p in restored_folder.iterdir()] == [evidence.stored_name]
    assert (restored_folder / evidence.stored_name).read_bytes() == JPEG


def test_the_examples_answer_the_conditional_question(catalog):
    """The hidden-evidence tests rely on op_platform_apps being shown only when en_platform is yes."""
    answers = json.loads((EXAMPLES / "quick_check_answers.json").read_text("utf-8"))
    question = catalog.get("quick_check", "1.0").questions["op_platform_apps"]
    assert (question.show_if.question, question.show_if.equals, answers["en_platform"]) == ("en_platform", True, True)
