"""Report batches under faults: the chart browser dies in the middle of a batch, the disk fills while the ZIP is
written."""

from __future__ import annotations

import os
import signal
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from assessment.roadmap import Settings
from factories import client_as, make_user
from reports.batch import MAX_RUNS, STALLED_AFTER, BatchWriteError, claim, create_batch, run_batch
from reports.chart_export import find_browser
from reports.enterprise_report import Branding
from storage.tables import Assessment, ReportBatch

needs_browser = pytest.mark.skipif(find_browser() is None, reason="no Chromium to draw the charts")


@pytest.fixture
def demo(make_demo_app, demo_population):
    """The app on this test's own copy of 12 demo enterprises with submitted quick checks; the ids of four of them."""
    app = make_demo_app(12, 3, WTF_CSRF_ENABLED=False)
    with Session(app.extensions["db_engine"]) as session:
        ids = [session.exec(select(Assessment.id).where(Assessment.token == token)).one()
               for token in demo_population(12, 3).tokens[:4]]  # fmt: skip
    return app, ids


def chromium_processes() -> list[int]:
    """The Chromium processes this test process started (its descendants whose command line names chromium)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [os.getpid()]
    while stack:
        for pid in children.get(stack.pop(), []):
            stack.append(pid)
            try:
                command = (Path("/proc") / str(pid) / "cmdline").read_bytes()
            except OSError:
                continue
            if b"chrom" in command.lower():
                found.append(pid)
    return found


def embedded_images(pdf: bytes) -> int:
    """How many images a PDF holds (the charts; the report has no other image without a logo)."""
    listing = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True)
    return len(listing.stdout.decode().splitlines()[2:])  # after the two header lines


def new_batch(app, ids) -> ReportBatch:
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        return create_batch(session=session, assessment_ids=ids, language="en", settings=Settings(),
                            branding=Branding("", "#2f6f9f", None))  # fmt: skip


@needs_browser
@pytest.mark.slow
def test_reports_come_out_with_their_charts_when_the_browser_dies_mid_batch(demo, tmp_path):
    app, ids = demo
    batch = new_batch(app, ids[:3])
    killed = []

    def kill_the_browser_after_the_first_report(current, _name, _error):
        if current.done == 1:
            killed.extend(chromium_processes())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        batch = session.get(ReportBatch, batch.id)
        batch = run_batch(session=session, catalog=app.extensions["questionnaires"], batch=batch, folder=tmp_path,
                          progress=kill_the_browser_after_the_first_report)  # fmt: skip
    assert killed, "the batch's charts were drawn without a browser process to kill"
    assert batch.status == "done" and batch.failures == []
    archive = zipfile.ZipFile(batch.path)
    pdfs = sorted(name for name in archive.namelist() if name.endswith(".pdf"))
    assert [int(name[:6]) for name in pdfs] == sorted(ids[:3])
    images = {name: embedded_images(archive.read(name)) for name in pdfs}
    first = images[pdfs[0]]
    assert first > 0 and all(count == first for count in images.values()), images  # a fresh browser drew the rest


def test_a_full_disk_fails_the_batch_with_a_clear_reason_and_offers_nothing(demo, tmp_path):
    app, ids = demo
    batch = new_batch(app, ids[:2])
    folder = tmp_path / "reports"
    folder.mkdir()
    # /dev/full accepts the file's opening and answers every write with ENOSPC, as a full disk does
    (folder / f"batch-{batch.id}.zip.part").symlink_to("/dev/full")
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        batch = session.get(ReportBatch, batch.id)
        with pytest.raises(BatchWriteError, match="The disk is full"):
            run_batch(session=session, catalog=app.extensions["questionnaires"], batch=batch, folder=folder)
        stored = session.get(ReportBatch, batch.id)
        session.refresh(stored)
    assert (stored.status, stored.error, stored.path) == ("failed", "disk_full", "")
    assert list(folder.iterdir()) == []  # neither the partial file nor a ZIP is left behind
    admin = client_as(app, make_user(app, "admin"))
    state = admin.get(f"/reports/batches/{batch.id}/progress.json").get_json()
    assert state["status"] == "failed" and state["download"] is None
    assert state["error"].startswith("The disk of the server is full: the ZIP could not be written")
    page = admin.get(f"/reports/batches/{batch.id}").get_data(as_text=True)
    assert "The disk of the server is full" in page
    assert admin.get(f"/reports/batches/{batch.id}/download").status_code == 404


def test_the_command_line_says_the_disk_is_full(demo, tmp_path):
    app, ids = demo
    out = tmp_path / "out.zip"
    out.symlink_to("/dev/full")
    result = app.test_cli_runner().invoke(args=["reports", "batch", "--assessment", str(ids[0]), "--out", str(out)])
    assert result.exit_code == 1
    assert f"Error: {out} could not be written: No space left on device" in result.output


class WorkerDied(BaseException):
    """Stands for the end of a worker's process (a BaseException, as SystemExit is: nothing catches it)."""


def test_a_batch_whose_worker_died_is_resumed_from_the_first_report_not_done(demo, monkeypatch):
    app, ids = demo
    batch = new_batch(app, ids[:3])
    from jobs import batches as jobs_batches
    from reports import batch as batch_module

    def die_after_the_first_report(current, _name, _error):
        if current.done == 1:
            raise WorkerDied

    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        claimed = claim(session=session, batch_id=batch.id, runner="first-run")
        assert claimed is not None and claimed.runs == 1
        assert claim(session=session, batch_id=batch.id, runner="second-run") is None  # held, and moving
        with pytest.raises(WorkerDied):
            run_batch(session=session, catalog=app.extensions["questionnaires"], batch=claimed, runner="first-run",
                      folder=Path(app.instance_path) / "reports", progress=die_after_the_first_report)
    rendered = []
    original = batch_module._prepare
    monkeypatch.setattr(batch_module, "_prepare",
                        lambda **kw: rendered.append(kw["assessment_id"]) or original(**kw))
    with app.app_context():
        jobs_batches.resume_stalled()  # moved a moment ago: not stalled yet, left alone
        assert rendered == []
        with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
            stored = session.get(ReportBatch, batch.id)
            stored.updated_at = datetime.now(UTC) - STALLED_AFTER - timedelta(seconds=1)
            session.add(stored)
            session.commit()
        jobs_batches.resume_stalled()  # the queue runs it at once in tests: claimed by a new run, resumed
    assert rendered == ids[1:3]  # the first report was not rendered again
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        stored = session.get(ReportBatch, batch.id)
    assert (stored.status, stored.done, stored.runs, stored.claimed_by) == ("done", 3, 2, "")
    archive = zipfile.ZipFile(stored.path)
    assert sorted(int(name[:6]) for name in archive.namelist()) == sorted(ids[:3])
    assert not (Path(app.instance_path) / "reports" / f"batch-{batch.id}").exists()  # the kept reports are cleared


def test_a_batch_that_keeps_killing_its_worker_is_given_up_with_the_reason(demo):
    app, ids = demo
    batch = new_batch(app, ids[:2])
    long_ago = datetime.now(UTC) - STALLED_AFTER - timedelta(minutes=1)
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        stored = session.get(ReportBatch, batch.id)
        stored.status, stored.done, stored.claimed_by = "running", 1, "x"
        stored.runs, stored.updated_at = MAX_RUNS, long_ago
        session.add(stored)
        session.commit()
        assert claim(session=session, batch_id=batch.id, runner="next") is None
        session.refresh(stored)
    assert (stored.status, stored.error) == ("failed", "interrupted")
    admin = client_as(app, make_user(app, "admin"))
    state = admin.get(f"/reports/batches/{batch.id}/progress.json").get_json()
    assert state["status"] == "failed" and state["download"] is None
    assert state["error"].startswith("The batch was started several times and each time its background worker ended")
