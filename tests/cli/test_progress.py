"""Long commands show their progress on stderr and close with a line saying what they did: `flask demo load`,
`flask backup`, `flask restore`; the storage functions report their steps to a callback."""

from __future__ import annotations

import re

import pytest
from sqlmodel import func, select

from cli.progress import duration
from storage.backup import backup_size, restore_backup, restore_size, write_backup
from storage.demo import load_demo
from storage.tables import Assessment, Enterprise, RateLimitWindow

WINDOWS = 2500  # rate-limit rows: two full batches of 1,000 and one of 500


@pytest.mark.parametrize(("seconds", "text"), [
    (4.23, "4.2 s"),
    (59.94, "59.9 s"),
    (59.96, "1 min 0 s"),  # 59.96 shows as 60.0 s otherwise
    (133.4, "2 min 13 s"),  # 2·60 + 13
    (3900, "1 h 05 min"),  # 3,900 s = 65 min
])
def test_durations_read_as_people_say_them(seconds, text):
    assert duration(seconds) == text


def test_demo_load_reports_each_enterprise_and_closes_with_the_counts(app, runner, db):
    result = runner.invoke(args=["demo", "load", "--count", "4", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assessments = db.exec(select(func.count()).select_from(Assessment)).one()
    assert db.exec(select(func.count()).select_from(Enterprise)).one() == 4
    assert 4 <= assessments <= 8  # each enterprise assessed once, some of them again in the second period
    assert re.search(rf"^Loaded 4 synthetic enterprises, {assessments} submitted 'quick_check' assessments in 2025 "
                     r"and 2026, .* in \d+\.\d s\.$", result.stdout, re.M)
    assert "Loading synthetic enterprises" in result.stderr  # the bar (hidden off a terminal but for its label)
    assert "Loading" not in result.stdout


def test_load_demo_calls_progress_once_per_enterprise(app, db):
    steps = []
    load_demo(session=db, catalog=app.extensions["questionnaires"], count=3, seed=5, questionnaire_id="quick_check",
              k=2, progress=steps.append)
    assert steps == [1, 1, 1]


def add_windows(db) -> None:
    db.add_all(RateLimitWindow(key=f"LIMITER/10.0.{n // 256}.{n % 256}", expires_at=1.8e9, hits=1)
               for n in range(WINDOWS))
    db.commit()


def test_backup_and_restore_report_rows_in_batches(app, db, tmp_path):
    add_windows(db)
    engine = app.extensions["db_engine"]
    assert backup_size(engine=engine) == WINDOWS  # a migrated database holds no other row
    written, path = [], tmp_path / "windows.jsonl.gz"
    write_backup(engine=engine, path=path, progress=written.append)
    assert [n for n in written if n] == [1000, 1000, 500]  # 2,500 rows: 1,000 + 1,000 + 500; empty tables add 0
    assert restore_size(path) == WINDOWS
    loaded = []
    restore_backup(engine=engine, path=path, replace=True, progress=loaded.append)
    assert [n for n in loaded if n] == [1000, 1000, 500]


def test_backup_and_restore_commands_close_with_the_rows_and_the_time(app, runner, db, tmp_path):
    add_windows(db)
    path = tmp_path / "cli.jsonl.gz"
    backed_up = runner.invoke(args=["backup", str(path)])
    assert backed_up.exit_code == 0, backed_up.output
    assert re.search(r"^Backed up 2,500 rows in \d+\.\d s\.$", backed_up.stdout, re.M)
    assert "Backing up" in backed_up.stderr
    restored = runner.invoke(args=["restore", "--replace", str(path)])
    assert restored.exit_code == 0, restored.output
    assert re.search(r"^Restored 2,500 rows in \d+\.\d s\.$", restored.stdout, re.M)
    assert "Restoring" in restored.stderr
