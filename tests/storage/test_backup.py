"""`flask backup` and `flask restore`: a database filled through the app goes SQLite → the test database (PostgreSQL
when IMREADY_TEST_DATABASE_URL is set) → SQLite with nothing lost; bad files and non-empty targets are refused."""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import zlib
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import JSON, func, null, select, update
from sqlmodel import Session, SQLModel

from assessment.published import PUBLISHED_PATH, parse_published_csv
from assessment.reference_csv import read_csv_text
from factories import ROOT, SurveyActions, make_app
from storage.accounts import audit
from storage.assignments import assign_pages, record_save
from storage.backup import BackupError, code_revision, restore_backup, write_backup
from storage.db import make_engine, upgrade
from storage.demo import demo_accounts, load_demo
from storage.kpis import KpiValue, save_kpis
from storage.reference_data import import_published
from storage.settings import RELEASE_INTERVAL_DAYS, set_setting
from storage.tables import (
    ActionDone,
    AnswerReview,
    Assessment,
    AssessmentComment,
    Campaign,
    CampaignMember,
    Enterprise,
    Evidence,
    MailMessage,
    RateLimitWindow,
    RegionalIndicator,
    RegionalReportJob,
    ReportBatch,
    Respondent,
    User,
    Verification,
)
from storage.tokens import create_token

EXAMPLE_ANSWERS = json.loads((ROOT / "questionnaires" / "examples" / "quick_check_answers.json").read_text("utf-8"))
DEMO_ENTERPRISES = 8
T_SIGNED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
# quick check 2.0, example answers, discrete profile: (2 + 2 + 15/7 + 1.75 + 1.5*2) / 5.5 = 1.9805 (test_survey.py)
EXAMPLE_SCORE = '<span id="overall-score">1.98</span>'


@contextmanager
def engine_at(url: str):
    """An engine on `url`, disposed afterwards (so that SQLite files can be copied)."""
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def fill(app) -> dict:
    """Put rows in every table through the app's pages and functions; return what the tests look up later."""
    survey = SurveyActions(app.test_client(), app)
    token = survey.start()
    survey.answer_all(token, EXAMPLE_ANSWERS)
    survey.submit(token)
    draft = survey.start(name="青岛草稿 \"draft\" & Co.", region="370100", industry="26", employees="12",
                         revenue="2.5")  # fmt: skip
    questionnaire = survey.questionnaire("quick_check")
    first_page = {q.id: q for q in questionnaire.dimensions[0].questions}
    ladder = next(q for q in first_page.values() if q.type == "ladder")
    survey.post_page(draft, 1, {ladder.id: "4"}, action="exit")
    sql_null_draft = survey.start(name="Raw draft", region="370200", industry="34")
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        load_demo(session=session, catalog=app.extensions["questionnaires"], count=DEMO_ENTERPRISES, seed=11,
                  questionnaire_id="quick_check", k=2)  # fmt: skip
        admin, _agency, consultant, member = demo_accounts(session=session, password="a long test password")
        consultant.brand_logo, consultant.brand_name = LOGO, "Li Consulting 李"
        session.add(consultant)
        import_published(session=session, rows=parse_published_csv(read_csv_text(PUBLISHED_PATH),
                                                                   file_name=str(PUBLISHED_PATH)))  # fmt: skip
        create_token(session=session, user=admin, name="ERP sync")
        set_setting(session=session, key=RELEASE_INTERVAL_DAYS, value="7")
        audit(session=session, user=admin, action="export", enterprise_id=1, detail="json", address="10.0.0.1")
        session.add(RateLimitWindow(key="LIMITER/10.0.0.1/accounts.sign_in/10/1/minute", expires_at=1.8e9 + 0.25,
                                    hits=3))  # sign-in attempts counted (storage/rate_limits.py)
        submitted = session.scalars(select(Assessment).where(Assessment.token == token)).one()
        session.add(ReportBatch(settings={"goals": ["cost", "quality"], "target": "next"}, language="zh",
                                assessment_ids=[submitted.id], failures=[{"id": 3, "error": "no chart"}],
                                user_id=consultant.id))  # fmt: skip
        session.add(AssessmentComment(assessment_id=submitted.id, user_id=consultant.id, author="Li",
                                      text="先从 MES 开始。\nLine two."))  # fmt: skip
        # evidence, review and sign-off (storage/evidence.py, storage/verification.py; their files: test_evidence.py)
        session.add(Evidence(assessment_id=submitted.id, question_id="q1", kind="link", url="https://example.org/a"))
        session.add(Respondent(assessment_id=submitted.id, user_id=admin.id))
        session.add(Verification(assessment_id=submitted.id, status="verified", reviewer_id=consultant.id,
                                 reviewer_name="Li", reviewer_role="consultant", decided_at=T_SIGNED))
        session.add(AnswerReview(assessment_id=submitted.id, revision=1, question_id="q1", decision="accepted"))
        session.add(ActionDone(enterprise_id=submitted.enterprise_id, questionnaire_id="quick_check",
                               dimension="operations", level=2, user_id=consultant.id))  # fmt: skip
        # pages of the draft assigned to a colleague, who saved one; KPIs entered with the submitted assessment
        drafted = session.scalars(select(Assessment).where(Assessment.token == draft)).one()
        assignment, _link = assign_pages(session=session, assessment=drafted, questionnaire=questionnaire,
                                         email="li@example.org", pages=["operations"], by=member)
        record_save(session=session, assignment=assignment, dimension_id="operations", answered=2)
        save_kpis(session=session, assessment=submitted, values={
            "defect_rate": KpiValue("defect_rate", 1500.0, "ppm", date(2025, 1, 1), date(2025, 12, 31))})
        # a consultant's campaign listing the submitted assessment's enterprise
        campaign = Campaign(owner_id=consultant.id, kind="consultant", name="Clients 2025",
                            questionnaire_id="quick_check",
                            questionnaire_version=questionnaire.version, period=2025, deadline=date(2025, 12, 31),
                            reminder_days=[7, 2])  # fmt: skip
        session.add(campaign)
        session.flush()
        session.add(CampaignMember(campaign_id=campaign.id, enterprise_id=submitted.enterprise_id,
                                   assessment_id=submitted.id, email="li@example.org", credit_code="914403001922038216",
                                   token_hash="0" * 64, reminders_sent=[7], invited_at=T_SIGNED))  # fmt: skip
        session.add(MailMessage(to="li@example.org", subject="Invitation: Clients 2025", body="...", kind="campaign",
                                ref="member:1", status="bounced", attempts=1, error="550 no such user"))
        session.add(RegionalReportJob(user_id=_agency.id, status="done", language="zh",
                                      selection={"regions": ["370000"]}, jurisdiction="370000",
                                      file_name="山东 report.pdf", path="/nowhere.pdf"))
        session.add(RegionalIndicator(region_code="999999", period=2030, indicator="unbounded",
                                      value=float("inf"), source="edge case"))  # fmt: skip
        # a draft stored as raw SQL writes it (SQL NULL result), beside the ORM's JSON null of the other drafts
        session.execute(update(Assessment).where(Assessment.token == sql_null_draft).values(result=null()))
        session.commit()
    return {"token": token, "draft": draft}


@pytest.fixture(scope="module")
def filled(database_template, tmp_path_factory):
    """An SQLite database filled through the app once per module (each test copies it), and its facts."""
    folder = tmp_path_factory.mktemp("filled")
    path = folder / "source.db"
    kind, template = database_template
    if kind == "sqlite":
        shutil.copyfile(template, path)  # the session's migrated template
    else:
        upgrade(f"sqlite:///{path}")  # the source is SQLite whichever database the tests run on
    app = make_app(f"sqlite:///{path}", folder / "instance")
    facts = fill(app)
    page = app.test_client().get(f"/a/{facts['token']}/results").text
    app.extensions["db_engine"].dispose()
    template = folder / "template.db"
    shutil.copyfile(path, template)  # after the page view, so the copy holds the same audit events as the file
    return template, facts, page


@pytest.fixture
def source_url(filled, tmp_path):
    """A copy of the filled SQLite database."""
    path = tmp_path / "source.db"
    shutil.copyfile(filled[0], path)
    return f"sqlite:///{path}"


@pytest.fixture
def dump(source_url, tmp_path) -> Path:
    """A backup of the filled database."""
    path = tmp_path / "dump.jsonl.gz"
    with engine_at(source_url) as engine:
        write_backup(engine=engine, path=path)
    return path


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table in primary-key order, with whether each nullable JSON column is SQL NULL."""
    rows = {}
    with engine_at(url) as engine, engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            flags = [c.is_(None) for c in table.columns if isinstance(c.type, JSON) and c.nullable]
            query = select(*table.columns, *flags).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(query)]
    return rows


def lines(path: Path) -> list[str]:
    """The decompressed lines of a backup."""
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return file.read().splitlines()


def write_lines(path: Path, content: list[str]) -> Path:
    """A backup file with these lines."""
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write("".join(line + "\n" for line in content))
    return path


def row_count(url: str) -> int:
    """How many rows the database holds in all."""
    with engine_at(url) as engine, engine.connect() as connection:
        return sum(connection.execute(select(func.count()).select_from(t)).scalar_one()
                   for t in SQLModel.metadata.sorted_tables)  # fmt: skip


def count_lines(output: str) -> list[str]:
    """The lines of a command's output that give a table's row count."""
    return re.findall(r"^  \w+ +\d+$", output, re.M)


def test_round_trip_to_the_test_database_and_back_loses_nothing(filled, source_url, database_url, tmp_path):
    first, second, third = (tmp_path / f"{name}.jsonl.gz" for name in ("first", "second", "third"))
    with engine_at(source_url) as engine:
        counts = write_backup(engine=engine, path=first)
    assert all(counts.values()), counts  # every table takes part
    assert (counts["enterprise"], counts["user"], counts["apitoken"], counts["assessmentcomment"],
            counts["actiondone"], counts["reportbatch"]) == (DEMO_ENTERPRISES + 3, 4, 1, 1, 1, 1)  # fmt: skip
    with engine_at(database_url) as engine:
        assert restore_backup(engine=engine, path=first) == counts
        write_backup(engine=engine, path=second)
    third_url = f"sqlite:///{tmp_path / 'third.db'}"  # not even migrated: restore does that first
    with engine_at(third_url) as engine:
        assert restore_backup(engine=engine, path=second) == counts
        write_backup(engine=engine, path=third)

    source = table_rows(source_url)
    assert table_rows(database_url) == source
    assert table_rows(third_url) == source
    assert lines(first)[1:] == lines(second)[1:] == lines(third)[1:]
    header = json.loads(lines(first)[0])
    assert (header["format"], header["version"], header["alembic_revision"]) == ("imready-backup", 1, code_revision())
    assert header["tables"] == counts
    assert len(lines(first)) == 1 + sum(counts.values())
    # the edge values, as written: bytes, SQL NULL against JSON null, infinity
    rows = [json.loads(line) for line in lines(first)[1:]]
    consultant = next(r["row"] for r in rows if r["table"] == "user" and r["row"]["role"] == "consultant")
    assert consultant["brand_logo"] == {"$base64": base64.b64encode(LOGO).decode("ascii")}
    drafts = {r["row"]["token"]: r.get("sql_null") for r in rows if r["table"] == "assessment"
              and r["row"]["status"] == "draft"}  # fmt: skip
    assert sorted(drafts.values(), key=str) == [None, ["result"]]
    infinite = next(r["row"] for r in rows if r["table"] == "regionalindicator" and r["row"]["period"] == 2030)
    assert infinite["value"] == {"$float": "inf"}


def test_the_app_works_on_a_restored_database(filled, dump, database_url, tmp_path):
    _template, facts, source_page = filled
    with engine_at(database_url) as engine:
        restore_backup(engine=engine, path=dump)
    app = make_app(database_url, tmp_path / "instance")
    try:
        client = app.test_client()
        page = client.get(f"/a/{facts['token']}/results").text
        assert EXAMPLE_SCORE in source_page
        assert EXAMPLE_SCORE in page
        resumed = client.get(f"/a/{facts['draft']}")
        assert resumed.headers["Location"].endswith(f"/a/{facts['draft']}/page/1")  # page 1 is not complete yet
        # new rows get fresh ids (on PostgreSQL the sequences were moved past the restored ids)
        survey = SurveyActions(client, app)
        token = survey.start(name="After the restore")
        survey.answer_all(token, EXAMPLE_ANSWERS)
        survey.submit(token)
        assert EXAMPLE_SCORE in client.get(f"/a/{token}/results").text
        with Session(app.extensions["db_engine"]) as session:
            new = session.scalars(select(Assessment).where(Assessment.token == token)).one()
            assert session.get(Enterprise, new.enterprise_id).id == DEMO_ENTERPRISES + 4
            assert new.id == 1 + max(session.scalars(select(Assessment.id).where(Assessment.id != new.id)))
            assert session.scalar(select(func.count()).select_from(User)) == 4
    finally:
        app.extensions["db_engine"].dispose()


def test_a_database_with_rows_is_refused_unless_replace(dump, source_url, database_url, tmp_path):
    app = make_app(database_url, tmp_path / "instance")
    SurveyActions(app.test_client(), app).start(name="Already here")
    app.extensions["db_engine"].dispose()
    with engine_at(database_url) as engine:
        with pytest.raises(BackupError, match=r"is not empty \(rows: enterprise 1, assessment 1\).*--replace"):
            restore_backup(engine=engine, path=dump)
        assert [row[0] for row in table_rows(database_url)["enterprise"]] == ["Already here"]
        restore_backup(engine=engine, path=dump, replace=True)
    assert table_rows(database_url) == table_rows(source_url)


def damaged(dump: Path, tmp_path: Path, how: str) -> tuple[Path, str]:
    """A damaged copy of a backup and the message (a regular expression) its restore must fail with."""
    content = lines(dump)
    enterprise = next(n for n, line in enumerate(content, start=1) if line.startswith('{"table":"enterprise"'))
    path = tmp_path / f"{how}.jsonl.gz"
    where = re.escape(str(path))
    if how == "truncated":
        data = dump.read_bytes()
        cut = len(data) * 2 // 3
        path.write_bytes(data[:cut])
        complete_lines = zlib.decompressobj(wbits=31).decompress(data[:cut]).count(b"\n")
        return path, rf"{where}: line {complete_lines + 1}: the file is truncated or damaged"
    if how == "not gzip":
        path.write_text("\n".join(content), encoding="utf-8")
        return path, rf"{where}: line 1: the file is truncated or damaged"
    if how == "last line cut":
        with gzip.open(path, "wt", encoding="utf-8") as file:
            file.write("\n".join(content)[:-5])
        return path, rf"{where}: line {len(content)}: the file is truncated \(the last line is incomplete\)"
    if how == "row missing":
        write_lines(path, content[:-1])
        table = json.loads(content[-1])["table"]
        count = json.loads(content[0])["tables"][table]
        return path, (rf"{where}: line {len(content) - 1}: the file ends early or does not match its header "
                      rf"\({table}: {count - 1} rows, header says {count}\)")  # fmt: skip
    if how == "bad json":
        write_lines(path, [*content[:enterprise], '{"table": "enterprise", "row": {', *content[enterprise + 1:]])
        return path, rf"{where}: line {enterprise + 1}: not valid JSON"
    record = json.loads(content[enterprise - 1])
    if how == "unknown column":
        record["row"]["colour"] = "red"
        message = rf"line {enterprise}: table enterprise: unknown columns colour"
    elif how == "missing column":
        del record["row"]["name"]
        message = rf"line {enterprise}: table enterprise: missing columns name"
    elif how == "bad datetime":
        record["row"]["created_at"] = "yesterday"
        message = rf"line {enterprise}: enterprise.created_at: Invalid isoformat string: 'yesterday'"
    elif how == "naive datetime":
        record["row"]["created_at"] = "2026-01-02T03:04:05"
        message = rf"line {enterprise}: enterprise.created_at: '2026-01-02T03:04:05' has no time zone offset"
    elif how == "unknown table":
        record["table"] = "enterprises"
        message = rf"line {enterprise}: unknown table 'enterprises'"
    else:  # "duplicate row": the database itself refuses it
        content.insert(enterprise, content[enterprise - 1])
        header = json.loads(content[0])
        header["tables"]["enterprise"] += 1
        content[0] = json.dumps(header)
        write_lines(path, content)
        return path, rf"{where}: lines \d+-\d+: table enterprise: the database refused the rows: "
    content[enterprise - 1] = json.dumps(record, ensure_ascii=False)
    write_lines(path, content)
    return path, rf"{where}: {message}"


DAMAGES = ("truncated", "not gzip", "last line cut", "row missing", "bad json", "unknown column", "missing column",
           "bad datetime", "naive datetime", "unknown table", "duplicate row")


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_file_is_refused_with_its_line_and_nothing_is_written(dump, database_url, tmp_path, how):
    path, message = damaged(dump, tmp_path, how)
    with engine_at(database_url) as engine:
        with pytest.raises(BackupError, match=message):
            restore_backup(engine=engine, path=path)
    assert row_count(database_url) == 0


def test_a_damaged_file_leaves_the_replaced_database_as_it_was(dump, source_url, tmp_path):
    before = table_rows(source_url)
    path, message = damaged(dump, tmp_path, "row missing")
    with engine_at(source_url) as engine:
        with pytest.raises(BackupError, match=message):
            restore_backup(engine=engine, path=path, replace=True)
    assert table_rows(source_url) == before


def test_a_backup_of_another_revision_is_refused(dump, database_url, tmp_path):
    content = lines(dump)
    header = json.loads(content[0])
    header["alembic_revision"] = "0005"
    path = write_lines(tmp_path / "old.jsonl.gz", [json.dumps(header), *content[1:]])
    with engine_at(database_url) as engine:
        with pytest.raises(BackupError, match=rf"line 1: the backup was made at database revision 0005, but this "
                                              rf"code's migrations end at {code_revision()}"):  # fmt: skip
            restore_backup(engine=engine, path=path)
    assert row_count(database_url) == 0


def test_a_database_behind_the_code_is_not_backed_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005")
    with engine_at(url) as engine, pytest.raises(BackupError, match=rf"the database is at revision 0005, but this "
                                                                     rf"code's migrations end at {code_revision()}"):
        write_backup(engine=engine, path=tmp_path / "old.jsonl.gz")
    assert not (tmp_path / "old.jsonl.gz").exists()


def test_cli_backup_and_restore(source_url, database_url, tmp_path):
    path = tmp_path / "cli.jsonl.gz"
    source = make_app(source_url, tmp_path / "source-instance")
    target = make_app(database_url, tmp_path / "target-instance")
    try:
        backed_up = source.test_cli_runner().invoke(args=["backup", str(path)])
        assert backed_up.exit_code == 0, backed_up.output
        assert f"to {path}:" in backed_up.output
        assert re.search(rf"^  enterprise +{DEMO_ENTERPRISES + 3}$", backed_up.output, re.M)
        assert re.search(r"^  apitoken +1$", backed_up.output, re.M)

        runner = target.test_cli_runner()
        restored = runner.invoke(args=["restore", str(path)])
        assert restored.exit_code == 0, restored.output
        assert f"Restored {path} into" in restored.output
        assert count_lines(restored.output) == count_lines(backed_up.output)
        assert len(count_lines(restored.output)) == len(SQLModel.metadata.tables) + 1  # every table and the total

        again = runner.invoke(args=["restore", str(path)])
        assert again.exit_code == 1
        assert "Error: the database at" in again.output and "is not empty" in again.output
        replaced = runner.invoke(args=["restore", "--replace", str(path)])
        assert replaced.exit_code == 0, replaced.output
        assert re.search(rf"^  enterprise +{DEMO_ENTERPRISES + 3}$", replaced.output, re.M)
    finally:
        source.extensions["db_engine"].dispose()
        target.extensions["db_engine"].dispose()
    assert table_rows(database_url) == table_rows(source_url)
