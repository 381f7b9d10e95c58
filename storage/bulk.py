"""Writing many rows at once through the driver's fastest path: COPY on PostgreSQL, one executemany on SQLite.

A release stores tens of thousands of cohort rows; SQLAlchemy's insert would process every parameter of every row
in Python. Here the rows come as plain tuples whose values are already what the column stores (JSON as text), and
the write stays in the session's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session


def stored_value(session: Session, table: Table, column: str, value: Any) -> Any:
    """`value` as the driver is handed it for `column` (SQLite keeps timestamps as text, for instance)."""
    dialect = session.get_bind().dialect
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert `rows` (tuples of `columns`, values as stored) into `table`, in the session's transaction."""
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", list(rows))
