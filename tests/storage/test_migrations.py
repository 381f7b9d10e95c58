"""Migrations carry data forward: rows written with plain SQL at revision 0001 (and at each later revision) are all
there, value for value, once the database is at the newest revision; and the migrated schema is the models'."""

from __future__ import annotations

import json
import math
import os
import struct
import uuid
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (the tables)
from storage.db import alembic_config, make_engine, upgrade

FIRST = "0001"
T1 = datetime(2025, 3, 1, 10, 0, 0, tzinfo=UTC)
T2 = datetime(2025, 3, 2, 11, 30, 15, 123456, tzinfo=UTC)
T3 = datetime(2026, 1, 15, 8, 5, 0, tzinfo=UTC)

ENTERPRISES = [  # as at 0001: no consultant_id, no benchmark_consent
    {"id": 1, "name": "Qingdao Precision Parts", "region_code": "370200", "industry_code": "34",
     "industry_type": "discrete", "employees": 120, "revenue_million_yuan": 50.0, "size_class": "small",
     "synthetic": False, "created_at": T1},
    {"id": 2, "name": "青岛精密零件有限公司", "region_code": "370000", "industry_code": "26",
     "industry_type": "process", "employees": 1500, "revenue_million_yuan": 12.345678901234567,
     "size_class": "large", "synthetic": True, "created_at": T2},
    {"id": 7, "name": "Jinan \"Quote\" & Co.", "region_code": "370100", "industry_code": "13",
     "industry_type": "process", "employees": 5, "revenue_million_yuan": 0.1 + 0.2, "size_class": "micro",
     "synthetic": False, "created_at": T3},
]
RESULT = {"questionnaire": "quick_check", "version": "1.0", "profile": "discrete",
          "nodes": {"overall": {"score": 2.2875, "level": 2, "notes": ["scaled", "中文"]},
                    "dim_data": {"score": 2.5, "level": 2, "trace": [[1, 0.25], [None, 0.0]]}}}
ASSESSMENTS = [
    {"id": 1, "enterprise_id": 1, "questionnaire_id": "quick_check", "questionnaire_version": "1.0", "token": "tok-a",
     "status": "submitted", "created_at": T1, "updated_at": T2, "submitted_at": T2, "overall_score": 2.2875,
     "overall_level": 2, "result": RESULT},
    {"id": 2, "enterprise_id": 1, "questionnaire_id": "quick_check", "questionnaire_version": "1.0", "token": "tok-b",
     "status": "draft", "created_at": T3, "updated_at": T3, "submitted_at": None, "overall_score": None,
     "overall_level": None, "result": None},
    {"id": 3, "enterprise_id": 2, "questionnaire_id": "imready_full", "questionnaire_version": "2.1",
     "token": "tok-c", "status": "submitted", "created_at": T1, "updated_at": T1, "submitted_at": T3,
     "overall_score": 1.0 / 3.0, "overall_level": 0, "result": {"nodes": {}, "empty": [], "nothing": None}},
    {"id": 4, "enterprise_id": 7, "questionnaire_id": "quick_check", "questionnaire_version": "1.0", "token": "tok-d",
     "status": "draft", "created_at": T2, "updated_at": T2, "submitted_at": None, "overall_score": None,
     "overall_level": None, "result": None},
]
ANSWER_VALUES = [3, "met", ["cad", "mes"], True, False, 30.5, 0, "na", "数字化车间", {"other": "x", "n": [1, 2.5]}, []]
ANSWERS = [
    {"id": 10 + number, "assessment_id": 1 + number % 4, "question_id": f"q{number}", "value": value,
     "updated_at": T2}
    for number, value in enumerate(ANSWER_VALUES)
]
NODE_SCORES = [
    {"assessment_id": 1, "node_id": "overall", "kind": "overall", "score": 2.2875, "level": 2},
    {"assessment_id": 1, "node_id": "dim_data", "kind": "dimension", "score": 2.5, "level": 2},
    {"assessment_id": 1, "node_id": "digital", "kind": "paradigm", "score": 57.18750000000001, "level": None},
    {"assessment_id": 1, "node_id": "item_x", "kind": "item", "score": None, "level": None},
    {"assessment_id": 3, "node_id": "overall", "kind": "overall", "score": 1.0 / 3.0, "level": 0},
]

# rows of the tables later revisions add, written right after each revision
SCORES_BLOB = struct.pack("<3d", 2.2875, math.nan, 1e-300)
LATER_ROWS = {
    "0002": {
        "benchmarkentry": [{"questionnaire_id": "quick_check", "period": 2025, "enterprise_id": 1, "assessment_id": 1,
                            "questionnaire_version": "1.0", "province_code": "370000", "city_code": "370200",
                            "industry_code": "34", "industry_type": "discrete", "size_class": "small",
                            "synthetic": False, "scores": SCORES_BLOB, "levels": bytes([2, 255, 0])}],
        "cohortstat": [{"questionnaire_id": "quick_check", "period": 2025, "base_period": 0, "region_code": "370000",
                        "industry": "all", "size": "all", "count": 7, "synthetic": 2, "suppressed": None,
                        "stats": {"overall": {"mean": 2.1, "q": [1.0, 2.0, 3.0]}}, "updated_at": T3}],
        "publishedbenchmark": [{"id": 3, "source": "CMMM 2022 report", "year": 2022, "framework": "CMMM",
                                "scope": "China, 20,000+ enterprises", "region_code": None, "industry_code": None,
                                "measure": "level_share", "level": "4+", "value": 0.04, "imported_at": T1}],
        "regionalindicator": [{"region_code": "370000", "period": 2025, "indicator": "5g_base_stations",
                               "value": 202000.0, "source": "MIIT", "imported_at": T1}],
    },
    "0003": {
        "reportbatch": [{"id": 5, "created_at": T1, "finished_at": None, "status": "done", "language": "zh",
                         "settings": {"goals": ["cost"], "target": "next"}, "brand_name": "Acme",
                         "brand_colour": "#123456", "assessment_ids": [1, 3], "done": 2, "failures": [],
                         "path": "/tmp/batch-5.zip"}],
    },
    "0004": {
        "user": [{"id": 4, "email": "consultant@example.org", "name": "Ms Li", "password_hash": "scrypt:hash",
                  "role": "consultant", "enterprise_id": None, "jurisdiction": None, "brand_name": "Li Consulting",
                  "brand_colour": "#aa0000", "brand_logo": b"\x89PNG\r\n\x1a\n\x00\xff", "active": True,
                  "created_at": T1, "last_sign_in_at": T2}],
        "auditevent": [{"id": 9, "at": T3, "user_id": 4, "action": "view", "enterprise_id": 1, "assessment_id": 1,
                        "detail": "results", "address": "127.0.0.1"}],
    },
    "0005": {
        "actiondone": [{"id": 1, "enterprise_id": 1, "questionnaire_id": "quick_check", "dimension": "dim_data",
                        "level": 3, "done_at": T3, "user_id": 4}],
    },
    "0006": {
        "apitoken": [{"id": 2, "user_id": 4, "name": "ERP sync", "token_hash": "ab" * 32, "created_at": T2,
                      "last_used_at": None}],
    },
    "0007": {
        "assessmentcomment": [{"id": 6, "assessment_id": 1, "user_id": 4, "author": "Li Consulting",
                               "text": "Start with the MES.", "created_at": T3}],
    },
    "0009": {
        "statisticsrelease": [{"id": 1, "created_at": T3, "trigger": "command", "min_trust": "account", "entries": 7,
                               "cells": 1, "withheld": 0, "seconds": 0.25}],
        "cohortstat": [{"release_id": 1, "questionnaire_id": "quick_check", "period": 2025, "base_period": 0,
                        "region_code": "370000", "industry": "all", "size": "all", "count": 7, "synthetic": 0,
                        "suppressed": None, "stats": {"nodes": {}, "lagging": {}}, "updated_at": T3}],
    },
}
JSON_COLUMNS = {"value", "result", "stats", "settings", "assessment_ids", "failures"}


@pytest.fixture
def empty_url(tmp_path):
    """The URL of an empty database (no tables at all), dropped afterwards."""
    server_url = os.environ.get("IMREADY_TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"imready_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def insert(url: str, table: str, rows: list[dict]) -> None:
    """Insert rows with plain SQL, as the schema of the moment stores them (no models involved)."""
    engine = make_engine(url)
    sqlite = engine.dialect.name == "sqlite"

    def stored(column: str, value):
        if isinstance(value, datetime):  # what the app writes: UTC, without offset in SQLite
            return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value.isoformat()
        if column in JSON_COLUMNS:
            return None if value is None and column == "result" else json.dumps(value)
        return value

    columns = list(rows[0])
    statement = text(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join(":" + c for c in columns)})')
    with engine.begin() as connection:
        connection.execute(statement, [{c: stored(c, row[c]) for c in columns} for row in rows])
    if not sqlite:  # the rows came with ids; move the sequences on as the app's inserts would have
        with engine.begin() as connection:
            if "id" in columns:
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                        f'(SELECT max(id) FROM "{table}"))'))  # fmt: skip
    engine.dispose()


def insert_first_revision_rows(url: str) -> None:
    """Enterprises, assessments (draft and submitted), answers and node scores as revision 0001 stores them."""
    insert(url, "enterprise", ENTERPRISES)
    insert(url, "assessment", ASSESSMENTS)
    insert(url, "answer", ANSWERS)
    insert(url, "nodescore", NODE_SCORES)


def read(url: str, table: str) -> list[dict]:
    """Every row of a table, read through the models' column types, in primary-key order."""
    table = SQLModel.metadata.tables[table]
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(select(table).order_by(*table.primary_key))]
    engine.dispose()
    return rows


def assert_same(url: str, table: str, expected: list[dict], added: dict | None = None) -> None:
    """The table holds exactly `expected`, equal and of the same types, plus `added` columns on every row."""
    actual = read(url, table)
    key = [column.name for column in SQLModel.metadata.tables[table].primary_key]
    expected = sorted(expected, key=lambda row: [row[column] for column in key])
    assert len(actual) == len(expected), table
    for got, want in zip(actual, expected, strict=True):
        want = {**want, **(added or {})}
        subset = {column: got[column] for column in want}
        assert subset == want, table
        for column, value in want.items():
            assert type(subset[column]) is type(value), (table, column)


def assert_first_revision_rows(url: str) -> None:
    """Every enterprise, assessment, answer and node score of 0001 is intact, value for value."""
    assert_same(url, "enterprise", ENTERPRISES, added={"consultant_id": None, "benchmark_consent": True})
    assert_same(url, "assessment", ASSESSMENTS)
    assert_same(url, "answer", ANSWERS)
    assert_same(url, "nodescore", NODE_SCORES)


def test_revisions_start_at_0001_and_form_one_line():
    chain = revisions()
    assert chain[0] == FIRST
    assert chain == sorted(chain)  # 0001, 0002, ...: one line, no branches
    assert len(set(chain)) == len(chain)


def test_data_written_at_0001_survives_upgrade_to_head(empty_url):
    upgrade(empty_url, FIRST)
    insert_first_revision_rows(empty_url)
    upgrade(empty_url)
    assert_first_revision_rows(empty_url)
    # the draft kept SQL NULL as its result, not JSON null
    engine = make_engine(empty_url)
    with engine.connect() as connection:
        nulls = connection.execute(text("SELECT id FROM assessment WHERE result IS NULL ORDER BY id")).scalars().all()
    engine.dispose()
    assert nulls == [2, 4]


def test_upgrade_one_revision_at_a_time_keeps_every_row(empty_url):
    chain = revisions()
    upgrade(empty_url, FIRST)
    insert_first_revision_rows(empty_url)
    for revision in chain[1:]:
        upgrade(empty_url, revision)
        for table, rows in LATER_ROWS.get(revision, {}).items():
            insert(empty_url, table, rows)
    engine = make_engine(empty_url)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == chain[-1]
    engine.dispose()
    assert_first_revision_rows(empty_url)
    for revision, revision_rows in LATER_ROWS.items():
        for table, rows in revision_rows.items():
            if table == "cohortstat" and revision < "0009":
                continue  # streamed statistics, derived from the entries: 0009 drops them for per-release ones
            if table == "benchmarkentry":
                assert_same(empty_url, table, rows, added={"noise": None, "trust": "account"})
                assert struct.unpack("<3d", read(empty_url, table)[0]["scores"])[2] == 1e-300
            elif table == "user":
                assert_same(empty_url, table, rows, added={"email_confirmed_at": None, "session_epoch": 0})
            elif table == "reportbatch":
                assert_same(empty_url, table, rows, added={"user_id": None})
            else:
                assert_same(empty_url, table, rows)


def test_schema_upgraded_step_by_step_is_the_models(empty_url):
    for revision in revisions():
        upgrade(empty_url, revision)
    engine = create_engine(empty_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert differences == []
