"""Writing many rows at once through the driver's fastest path: COPY on PostgreSQL, one executemany on SQLite.

A release stores tens of thousands of cohort rows; SQLAlchemy's insert would process every parameter of every row
in Python. Here the rows come column by column, their values are already what the column stores
(JSON as text), and the write stays in the session's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
import orjson
from sqlalchemy import Connection, Select, Table
from sqlmodel import Session

# What COPY's text format escapes inside a value (https://www.postgresql.org/docs/current/sql-copy.html).
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_SPECIAL = tuple(chr(code) for code in COPY_ESCAPES)
COPY_NULL = "\\N"
# Joins a column's texts so that they are escaped in one call; PostgreSQL text never holds a NUL character.
SEPARATOR = "\x00"


def stored_value(session: Session, table: Table, column: str, value: Any) -> Any:
    """`value` as the driver is handed it for `column` (SQLite keeps timestamps as text, for instance)."""
    dialect = session.get_bind().dialect
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value


def fetch_rows(connection: Connection, statement: Select) -> Sequence[Sequence]:
    """All rows of `statement`: on SQLite as SQLAlchemy reads them, on PostgreSQL through a binary cursor, where
    bytea comes as its bytes rather than as hex text the driver decodes (a release reads 100,000 entries' score
    blobs a period: 0.6 s → 0.4 s). Only for plain values: the parameters go to the driver as they are."""
    if connection.dialect.name != "postgresql":
        return connection.execute(statement).all()
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    with connection.connection.driver_connection.cursor(binary=True) as cursor:
        return cursor.execute(str(compiled), compiled.params).fetchall()


def json_text(value: Any) -> str:
    """`value` as the JSON text a JSON column stores, numpy arrays as lists. orjson writes a release's hundred
    thousand figure rows about ten times faster than the json module (the same numbers: floats in their shortest
    form that reads back exactly), and arrays without making a Python float of each value."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def json_rows(array: np.ndarray) -> list[str]:
    """The JSON text of each innermost row of `array` (its last axis), without the brackets: one orjson call for
    the whole array, where a call per row costs more than the writing (a release turns 140,000 rows of figures into
    text per period). The same numbers as `json_text` writes for each row."""
    if not array.size:
        return [""] * int(np.prod(array.shape[:-1]))
    text = json_text(np.ascontiguousarray(array).reshape(-1, array.shape[-1]))
    return text[2:-2].split("],[")  # [[1.5,2],[3,4.25]]: numbers hold no brackets


class Same(NamedTuple):
    """A column's value when it is the same in every row of a batch: written out once, not once per row."""

    value: Any


# A batch by column: the column's values in row order, or one value for every row (Same).
Columns = Mapping[str, Sequence | Same]


class RowWriter:
    """Writes batches of rows in the session's transaction, one after another. On PostgreSQL a batch goes on a
    thread of its own while the caller computes the next one: the server parses and indexes the rows on another
    core (a release of 200,000 entries spends 1.3 s there). Until `wait` returns, the session must not be used for
    anything else; leaving the `with` block waits. On SQLite the rows are written at once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        background = session.get_bind().dialect.name == "postgresql"
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="row-writer") if background else None
        self._pending: Future | None = None

    def write_columns(self, table: Table, columns: Columns) -> None:
        """Write a batch given by column (each column's values in row order, or Same for all), once the batch
        before has been written."""
        self.wait()
        if self._pool is None:
            _write(self.session.connection(), table, columns)
            return
        # The text is made here: on the thread it would hold the interpreter's lock, which the caller's array
        # arithmetic on other threads needs between every two operations (they would wait for it, by turns).
        self._pending = self._pool.submit(_copy, self.session.connection(), table, list(columns), columns_text(columns))

    def wait(self) -> None:
        """Wait for the batch being written; its error, if any, is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, kind, error, trace) -> None:
        try:
            if error is None:
                self.wait()
            elif self._pending is not None:  # the session is rolled back next: the thread must be done with it
                self._pending.exception()
        finally:
            if self._pool is not None:
                self._pool.shutdown()


def _write(connection: Connection, table: Table, columns: Columns) -> None:
    """Insert a batch given by column through `connection`: COPY on PostgreSQL, one executemany on SQLite."""
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        _copy(connection, table, list(columns), columns_text(columns))
        return
    count = _row_count(columns)
    if not count:
        return
    marks = ", ".join("?" * len(columns))
    rows = list(zip(*(repeat(values.value, count) if isinstance(values, Same) else values
                      for values in columns.values()), strict=True))
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)


def _copy(connection: Connection, table: Table, columns: list[str], text: str) -> None:
    """COPY rows given as text (COPY's text format) into `table` (PostgreSQL)."""
    if text:
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(text.encode())


def _row_count(columns: Columns) -> int:
    """How many rows a batch by column holds (a batch of Same values only holds none)."""
    counts = {len(values) for values in columns.values() if not isinstance(values, Same)}
    if len(counts) > 1:
        raise ValueError(f"columns of {sorted(counts)} values in one batch")
    return counts.pop() if counts else 0


def columns_text(columns: Columns) -> str:
    """A batch by column in COPY's text format, built column by column: one pass of C code per column rather than
    a call per value, which is what writing the rows one by one costs; a Same value is written once."""
    count = _row_count(columns)
    if not count:
        return ""
    texts = [repeat(_scalar_text(values.value) if values.value is not None else COPY_NULL, count)
             if isinstance(values, Same) else _column_text(list(values)) for values in columns.values()]
    return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"


def _column_text(values: list) -> list[str]:
    """One column's values as COPY text: NULL as \\N, strings escaped, numbers and timestamps written out."""
    present = [value for value in values if value is not None]
    kinds = set(map(type, present))
    if kinds == {str}:
        joined = SEPARATOR.join(present)
        if not any(special in joined for special in COPY_SPECIAL):  # JSON figures, codes: nothing to escape
            escaped = present
        elif joined.count(SEPARATOR) == len(present) - 1:  # no value holds the separator itself
            escaped = joined.translate(COPY_ESCAPES).split(SEPARATOR)
        else:
            escaped = [value.translate(COPY_ESCAPES) for value in present]
    elif kinds == {int}:
        escaped = list(map(str, present))
    else:  # timestamps and the like, mostly one value repeated: each distinct one written once
        written = {value: _scalar_text(value) for value in set(present)}
        escaped = list(map(written.__getitem__, present))
    if len(present) == len(values):
        return escaped
    given = iter(escaped)
    return [COPY_NULL if value is None else next(given) for value in values]


def _scalar_text(value: Any) -> str:
    """A value that is not text, as COPY's text format reads it."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    return str(value)
