"""Rows written in bulk (storage/bulk.py) read back exactly as given, on either engine: on PostgreSQL they go
through COPY's text format, where tabs, newlines, backslashes and NULL have to be escaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from psycopg.errors import UniqueViolation
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, select
from sqlalchemy.exc import IntegrityError
from test_release_identical import random_population

from assessment.cohorts.statistics import FigureBlock, cohort_table
from storage.bulk import RowWriter, Same, columns_text, json_rows, json_text, stored_value
from storage.releases import figure_texts

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
    with RowWriter(db) as writer:
        writer.write_columns(SCRATCH, dict(zip(("id", "label", "figures", "written"), zip(*rows, strict=True),
                                               strict=True)))
    read = connection.execute(select(SCRATCH).order_by(SCRATCH.c.id)).all()
    assert [row.label for row in read] == AWKWARD + [None]
    assert [row.figures for row in read] == [{"note": label, "mean": 3.25} for label in AWKWARD] + [{}]
    assert {row.written.replace(tzinfo=None) for row in read} == {datetime(2026, 12, 6, 5, 30, 15, 250000)}


def test_columns_text_escapes_what_copy_reads_specially():
    # Columns: an int, a text with a tab and a backslash, a NULL; then a second row of plain values.
    text = columns_text(dict(a=[1, 22], b=["a\tb\\c", "plain"], c=[None, "x"]))
    assert text == "1\ta\\tb\\\\c\t\\N\n22\tplain\tx\n"
    assert columns_text(dict(a=[], b=[])) == ""


def test_row_writer_writes_batches_in_order_and_raises_a_failed_batch(db):
    """Batches through RowWriter (on PostgreSQL each is written on a thread while the next is made) are all in the
    table when the block ends; a batch the database refuses is not lost silently: its error comes out of the
    writer, and the transaction rolls back."""
    connection = db.connection()
    SCRATCH.create(connection)
    with RowWriter(db) as writer:
        writer.write_columns(SCRATCH, dict(id=[1, 2], label=["one", "two"]))
        writer.write_columns(SCRATCH, dict(id=range(3, 6), label=[f"n{n}" for n in range(3, 6)]))
    assert connection.execute(select(SCRATCH.c.id, SCRATCH.c.label).order_by(SCRATCH.c.id)).all() == [
        (1, "one"), (2, "two"), (3, "n3"), (4, "n4"), (5, "n5")]
    db.commit()
    # SQLAlchemy's error on SQLite; on PostgreSQL the driver's own, from COPY (which runs below SQLAlchemy)
    with pytest.raises((IntegrityError, UniqueViolation)), RowWriter(db) as writer:
        writer.write_columns(SCRATCH, dict(id=[6], label=["six"]))
        writer.write_columns(SCRATCH, dict(id=[1], label=["one again"]))  # id 1 is taken
    db.rollback()
    assert db.connection().execute(select(SCRATCH.c.id)).scalars().all() == [1, 2, 3, 4, 5]


def test_a_batch_by_column_writes_a_same_value_into_every_row(db):
    connection = db.connection()
    SCRATCH.create(connection)
    written = stored_value(db, SCRATCH, "written", datetime(2026, 12, 6, 5, 30, tzinfo=UTC))
    with RowWriter(db) as writer:
        writer.write_columns(SCRATCH, dict(id=[1, 2, 3], label=Same("tab\there"), figures=["{}", "[1]", "{}"],
                                           written=Same(written)))
        writer.write_columns(SCRATCH, dict(id=[], label=Same("none")))  # an empty batch writes nothing
    read = connection.execute(select(SCRATCH).order_by(SCRATCH.c.id)).all()
    assert [(row.id, row.label, row.figures) for row in read] == [(1, "tab\there", {}), (2, "tab\there", [1]),
                                                                   (3, "tab\there", {})]
    assert {row.written.replace(tzinfo=None) for row in read} == {datetime(2026, 12, 6, 5, 30)}
    assert columns_text(dict(a=[1, 22], b=Same(None), c=Same("x\ty"))) == "1\t\\N\tx\\ty\n22\t\\N\tx\\ty\n"
    with pytest.raises(ValueError, match=r"columns of \[1, 2\] values"):
        columns_text(dict(a=[1, 2], b=["x"]))


def test_json_rows_write_each_innermost_row_of_an_array():
    assert json_rows(np.array([[1.5, 2.0], [3.0, 4.25]])) == ["1.5,2.0", "3.0,4.25"]
    assert json_rows(np.arange(8).reshape(2, 2, 2)) == ["0,1", "2,3", "4,5", "6,7"]
    assert json_rows(np.array([[0.1 + 0.2]])) == ["0.30000000000000004"]  # the shortest text that reads back
    assert json_rows(np.zeros((0, 3, 12))) == [] and json_rows(np.zeros((2, 0))) == ["", ""]


@pytest.mark.parametrize("n", [1, 40, 333])
def test_figure_texts_are_the_json_of_each_cells_figures(n):
    """A release writes each shown cell's figures through figure_texts (one orjson call per array): the text is
    exactly what writing each cell's figures on its own gives, nodes without a score in the cell left out."""
    population = random_population(np.random.default_rng(n), n, 4)
    population.scores[population.codes["province"] == 0, 3] = np.nan  # no score of node n3 in 370000's cells
    table = cohort_table(population, "100000")
    rows = [g for g, cell in enumerate(table.cells) if g % 2 or cell[0].startswith("37")]
    texts = figure_texts(table.figure_block(rows))
    assert texts == [json_text(figures) for figures in table.figure_arrays(rows)]
    assert [json.loads(text) for text in texts] == table.figures(rows)
    assert {"n3" in json.loads(text)["nodes"] for text in texts} == ({False} if n == 1 else {False, True})
    assert figure_texts(table.figure_block([])) == []


def test_figure_texts_of_hand_made_cells():
    # Two nodes (one named with a "%", which the template must keep as it is), one level; the second cell has no
    # score of node "b": its figures leave "b" out.
    nodes = np.zeros((2, 2, 12))
    nodes[0, 0, :2], nodes[0, 1, :2], nodes[1, 0, :2] = (2, 1.5), (2, 0.25), (1, 3)
    block = FigureBlock(("a%s", "b"), nodes, nodes[:, :, 0] != 0, {"1": np.array([[1, 1], [0, 1]])})
    zeros = ",0.0" * 10
    assert figure_texts(block) == [
        f'{{"nodes":{{"a%s":[2.0,1.5{zeros}],"b":[2.0,0.25{zeros}]}},"lagging":{{"1":[1,1]}}}}',
        f'{{"nodes":{{"a%s":[1.0,3.0{zeros}]}},"lagging":{{"1":[0,1]}}}}']
    assert figure_texts(FigureBlock((), np.zeros((1, 0, 12)), np.zeros((1, 0), dtype=bool), {})) == [
        '{"nodes":{},"lagging":{}}']
