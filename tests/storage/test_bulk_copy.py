"""Rows written in bulk (storage/bulk.py) read back exactly as given, on either engine: on PostgreSQL they go
through COPY's text format, where tabs, newlines, backslashes and NULL have to be escaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from psycopg.errors import UniqueViolation
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, select
from sqlalchemy.exc import IntegrityError

from storage.bulk import RowWriter, copy_text, insert_rows, stored_value

SCRATCH = Table("bulk_scratch", MetaData(), Column("id", Integer, primary_key=True), Column("label", String(40)),
                Column("figures", JSON), Column("written", DateTime))

# Every character COPY's text format gives a meaning to, in text and in JSON (whose own escapes are backslashes).
AWKWARD = ["tab\there", "line\nbreak", "back\\slash", "\\N", "carriage\rreturn", "", "平均 3.5"]


def test_awkward_text_null_and_json_read_back_as_written(db):
    connection = db.connection()
    SCRATCH.create(connection)
    written = stored_value(db, SCRATCH, "written", datetime(2026, 12, 6, 5, 30, 15, 250000, tzinfo=UTC))
    figures = [json.dumps({"note": label, "mean": 3.25}) for label in AWKWARD]
    rows = [(i, label, figure, written) for i, (label, figure) in enumerate(zip(AWKWARD, figures, strict=True))]
    rows.append((len(rows), None, "{}", written))
    insert_rows(db, SCRATCH, ("id", "label", "figures", "written"), rows)
    read = connection.execute(select(SCRATCH).order_by(SCRATCH.c.id)).all()
    assert [row.label for row in read] == AWKWARD + [None]
    assert [row.figures for row in read] == [{"note": label, "mean": 3.25} for label in AWKWARD] + [{}]
    assert {row.written.replace(tzinfo=None) for row in read} == {datetime(2026, 12, 6, 5, 30, 15, 250000)}


def test_copy_text_escapes_what_copy_reads_specially():
    # Columns: an int, a text with a tab and a backslash, a NULL; then a second row of plain values.
    text = copy_text([(1, "a\tb\\c", None), (22, "plain", "x")], 3)
    assert text == "1\ta\\tb\\\\c\t\\N\n22\tplain\tx\n"
    assert copy_text([], 3) == ""


def test_row_writer_writes_batches_in_order_and_raises_a_failed_batch(db):
    """Batches through RowWriter (on PostgreSQL each is written on a thread while the next is made) are all in the
    table when the block ends; a batch the database refuses is not lost silently: its error comes out of the
    writer, and the transaction rolls back."""
    connection = db.connection()
    SCRATCH.create(connection)
    with RowWriter(db) as writer:
        writer.write(SCRATCH, ("id", "label"), [(1, "one"), (2, "two")])
        writer.write(SCRATCH, ("id", "label"), ((n, f"n{n}") for n in range(3, 6)))
    assert connection.execute(select(SCRATCH.c.id, SCRATCH.c.label).order_by(SCRATCH.c.id)).all() == [
        (1, "one"), (2, "two"), (3, "n3"), (4, "n4"), (5, "n5")]
    db.commit()
    # SQLAlchemy's error on SQLite; on PostgreSQL the driver's own, from COPY (which runs below SQLAlchemy)
    with pytest.raises((IntegrityError, UniqueViolation)), RowWriter(db) as writer:
        writer.write(SCRATCH, ("id", "label"), [(6, "six")])
        writer.write(SCRATCH, ("id", "label"), [(1, "one again")])  # id 1 is taken
    db.rollback()
    assert db.connection().execute(select(SCRATCH.c.id)).scalars().all() == [1, 2, 3, 4, 5]
