"""`python -m questionnaires check`: the check that needs no app, database or settings."""

from __future__ import annotations

import subprocess
import sys

from factories import MINI, ROOT


def check(*paths) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "questionnaires", "check", *map(str, paths)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_it_reports_a_file_that_would_stop_the_app(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nversion: one\n", encoding="utf-8")
    result = check(MINI, broken)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == f"{MINI}: ok"
    assert f"{broken}: line 2: version:" in result.stdout


def test_the_shipped_questionnaires_pass():
    result = check()
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == [f"{ROOT / 'questionnaires' / name}: ok"
                                          for name in ("eu_dma.yaml", "impuls.yaml", "imready_full.yaml",
                                                       "imready_full_v2.yaml", "quick_check.yaml",
                                                       "quick_check_v2.yaml")]


def test_a_command_other_than_check_shows_the_usage():
    result = subprocess.run([sys.executable, "-m", "questionnaires"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: python -m questionnaires check")
