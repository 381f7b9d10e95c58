"""`flask backup FILE` and `flask restore FILE`: every table of the database as gzip-compressed JSON Lines, portable
between SQLite and PostgreSQL.

The file holds a header line (format, version, Alembic revision, when, rows per table), then one line per row,
`{"table": ..., "row": {...}}`, tables in foreign-key order and rows in primary-key order. Values are typed by their
column: datetimes as ISO 8601 strings with their offset, dates as ISO 8601 dates, bytes as `{"$base64": ...}`, JSON
columns as JSON (a JSON column holding SQL NULL rather than JSON null is named in the line's `"sql_null"` list),
non-finite floats as `{"$float": "nan"|"inf"|"-inf"}`, everything else as itself.

Evidence files (kept outside the database, see storage/evidence.py) follow the rows when the evidence folder is
given: one line per file, `{"file": stored name, "data": {"$base64": ...}}`, their number in the header's "files"."""

from __future__ import annotations

import base64
import gzip
import json
import math
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    LargeBinary,
    Table,
    func,
    null,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from storage.db import alembic_config, upgrade

FORMAT = "imready-backup"
VERSION = 1
BATCH_ROWS = 1000  # rows read per fetch and inserted per statement
LINE_KEYS = {"table", "row", "sql_null"}
FILE_KEYS = {"file", "data"}


class BackupError(Exception):
    """A backup that cannot be written or restored; the message says where and why."""


def tables() -> list[Table]:
    """Every table of the models, parents before the tables that refer to them."""
    return list(SQLModel.metadata.sorted_tables)


def code_revision() -> str:
    """The newest Alembic revision of this code's migrations."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def database_revision(connection: Connection) -> str | None:
    """The Alembic revision the database is at (None: not migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def write_backup(*, engine: Engine, path: Path, evidence_folder: Path | None = None,
                 progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write every row of the database to `path` (gzip JSON Lines) from one consistent snapshot, and the evidence
    files of `evidence_folder` that its rows name; return the rows per table. The file appears only once complete.
    `progress(n)` is called as rows and files are written, `backup_size` of them in all."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    advance = progress or _no_progress
    with _snapshot(engine) as connection:
        revision, head = database_revision(connection), code_revision()
        if revision != head:
            raise BackupError(f"the database is at revision {revision}, but this code's migrations end at {head}; "
                              "run `flask db upgrade` first")  # fmt: skip
        counts = _row_counts(connection)
        files = _evidence_files(connection, evidence_folder)
        header = {"format": FORMAT, "version": VERSION, "alembic_revision": revision,
                  "created_at": datetime.now(UTC).isoformat(), "source": engine.dialect.name, "tables": counts,
                  "files": len(files)}
        try:
            with gzip.open(partial, "wt", encoding="utf-8", newline="\n", compresslevel=6) as out:
                out.write(_dumps(header) + "\n")
                for table in tables():
                    written = 0
                    for line in _table_lines(connection, table):
                        out.write(_dumps(line) + "\n")
                        written += 1
                        if written == BATCH_ROWS:
                            advance(written)
                            written = 0
                    advance(written)
                for file in files:
                    data = base64.b64encode(file.read_bytes()).decode("ascii")
                    out.write(_dumps({"file": file.name, "data": {"$base64": data}}) + "\n")
                    advance(1)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return counts


def backup_size(*, engine: Engine, evidence_folder: Path | None = None) -> int:
    """How many rows and evidence files a backup of the database would write now (the length of its progress)."""
    with engine.connect() as connection:
        return sum(_row_counts(connection).values()) + len(_evidence_files(connection, evidence_folder))


def restore_size(path: Path) -> int:
    """How many rows and evidence files a backup file holds, by its header (the length of a restore's progress)."""
    header = read_header(Path(path))
    return sum(header["tables"].values()) + header.get("files", 0)


def _row_counts(connection: Connection) -> dict[str, int]:
    return {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in tables()}  # fmt: skip


def _no_progress(steps: int) -> None:
    """The progress callback of a caller that shows none."""


def _evidence_files(connection: Connection, folder: Path | None) -> list[Path]:
    """The evidence files the database names that are in `folder` (none without a folder)."""
    if folder is None:
        return []
    evidence = storage.tables.Evidence.__table__
    names = connection.execute(select(evidence.c.stored_name).where(evidence.c.stored_name != "")
                               .order_by(evidence.c.id)).scalars()
    return [Path(folder) / name for name in names if (Path(folder) / name).is_file()]


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection reading one consistent state of the database, whatever is written meanwhile."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        elif engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")  # pysqlite opens no transaction for reads by itself
        try:
            yield connection
        finally:
            connection.rollback()


def _table_lines(connection: Connection, table: Table) -> Iterator[dict]:
    """The lines of one table's rows, in primary-key order, fetched a batch at a time (server-side on PostgreSQL)."""
    nullable_json = [c for c in table.columns if isinstance(_kind(c), JSON) and c.nullable]
    flags = [c.is_(None).label(f"sql_null_{c.name}") for c in nullable_json]
    query = select(*table.columns, *flags).order_by(*table.primary_key.columns)
    result = connection.execution_options(yield_per=BATCH_ROWS).execute(query)
    width = len(table.columns)
    for values in result:
        row = {column.name: _encode(column, value) for column, value in zip(table.columns, values[:width],
                                                                             strict=True)}  # fmt: skip
        line = {"table": table.name, "row": row}
        sql_null = [c.name for c, flag in zip(nullable_json, values[width:], strict=True) if flag]
        if sql_null:
            line["sql_null"] = sql_null
        yield line


def _kind(column: Column) -> TypeEngine:
    """The column's type as the database stores it (UTCDateTime is a DateTime, AutoString a String)."""
    kind = column.type
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _encode(column: Column, value):
    """A column's value as JSON."""
    kind = _kind(column)
    if value is None or isinstance(kind, JSON):
        return value
    if isinstance(kind, DateTime | Date):
        return value.isoformat()
    if isinstance(kind, LargeBinary):
        return {"$base64": base64.b64encode(value).decode("ascii")}
    if isinstance(kind, Float) and not math.isfinite(value):
        return {"$float": repr(value)}  # 'nan', 'inf' or '-inf'
    return value


def _decode(column: Column, value):
    """A value of the file as the column takes it; ValueError says what is wrong with it."""
    kind = _kind(column)
    if isinstance(kind, JSON):
        return value  # None is JSON null here; SQL NULL is listed in the line's "sql_null"
    if value is None:
        if not column.nullable:
            raise ValueError("null in a column that must have a value")
        return None
    if isinstance(kind, DateTime):
        if not isinstance(value, str):
            raise ValueError(f"a datetime must be an ISO 8601 string, not {value!r}")
        moment = datetime.fromisoformat(value)
        if kind.timezone and moment.utcoffset() is None:
            raise ValueError(f"{value!r} has no time zone offset")
        return moment
    if isinstance(kind, Date):
        if not isinstance(value, str):
            raise ValueError(f"a date must be an ISO 8601 string, not {value!r}")
        return date.fromisoformat(value)
    if isinstance(kind, LargeBinary):
        if not (isinstance(value, dict) and set(value) == {"$base64"} and isinstance(value["$base64"], str)):
            raise ValueError('bytes must be written as {"$base64": "..."}')
        return base64.b64decode(value["$base64"], validate=True)
    if isinstance(kind, Float):
        if isinstance(value, dict) and set(value) == {"$float"} and value["$float"] in ("nan", "inf", "-inf"):
            return float(value["$float"])
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, not {value!r}")
        return float(value)
    expected = kind.python_type
    if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"expected an integer, not {value!r}")
    if expected is not int and not isinstance(value, expected):
        raise ValueError(f"expected {expected.__name__}, not {value!r}")
    return value


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def read_header(path: Path) -> dict:
    """The header of a backup file, checked; BackupError if it is not one this code can restore."""
    with _open(path) as lines:
        for _number, line in lines:
            return _check_header(path, line)
    raise BackupError(f"{path}: the file is empty")


def restore_backup(*, engine: Engine, path: Path, replace: bool = False, evidence_folder: Path | None = None,
                   progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Load a backup into the database at `engine` (migrated to the newest revision first) in one transaction, and
    its evidence files into `evidence_folder` (skipped without one); return the rows per table. A database with rows
    is refused unless `replace`, which deletes them first. `progress(n)` is called as rows and files are loaded,
    `restore_size` of them in all."""
    path = Path(path)
    header = read_header(path)
    with engine.connect() as connection:
        migrated = database_revision(connection) == header["alembic_revision"]
    if not migrated:
        upgrade(engine.url.render_as_string(hide_password=False))
    by_name = {table.name: table for table in tables()}
    with engine.begin() as connection:
        existing = {name: n for name, table in by_name.items()
                    if (n := connection.execute(select(func.count()).select_from(table)).scalar_one())}  # fmt: skip
        if existing and not replace:
            rows = ", ".join(f"{name} {n}" for name, n in existing.items())
            raise BackupError(f"the database at {engine.url.render_as_string()} is not empty (rows: {rows}); restore "
                              "into an empty database, or use --replace to delete its rows first")  # fmt: skip
        for table in reversed(tables()):
            connection.execute(table.delete())
        counts = _load_rows(connection, path, header, by_name, evidence_folder, progress or _no_progress)
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
    return counts


def _load_rows(connection: Connection, path: Path, header: dict, by_name: dict[str, Table],
               evidence_folder: Path | None, advance: Callable[[int], None]) -> dict[str, int]:
    counts = dict.fromkeys(by_name, 0)
    files = 0
    batch: list[tuple[int, dict, frozenset]] = []
    table: Table | None = None
    last = 1
    with _open(path) as lines:
        for number, line in lines:
            last = number
            if number == 1:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise BackupError(f"{path}: line {number}: not valid JSON ({error})") from None
            if isinstance(record, dict) and "file" in record:
                _restore_file(path, number, record, evidence_folder)
                files += 1
                advance(1)
                continue
            name, row, sql_null = _check_line(path, number, record, by_name)
            if by_name[name] is not table or len(batch) >= BATCH_ROWS:
                _insert(connection, path, table, batch)
                advance(len(batch))
                table, batch = by_name[name], []
            batch.append((number, row, sql_null))
            counts[name] += 1
        _insert(connection, path, table, batch)
        advance(len(batch))
    if counts != header["tables"] or files != header.get("files", 0):
        wrong = ", ".join(f"{name}: {counts[name]} rows, header says {header['tables'][name]}"
                          for name in by_name if counts[name] != header["tables"][name])  # fmt: skip
        raise BackupError(f"{path}: line {last}: the file ends early or does not match its header ({wrong})")
    return counts


def _restore_file(path: Path, number: int, record: dict, folder: Path | None) -> None:
    """Write one evidence file of a backup into the evidence folder (under its stored name, checked)."""
    name, data = record.get("file"), record.get("data")
    if (set(record) != FILE_KEYS or not isinstance(name, str) or len(name) != 32
            or any(c not in "0123456789abcdef" for c in name)
            or not (isinstance(data, dict) and set(data) == {"$base64"} and isinstance(data["$base64"], str))):
        raise BackupError(f'{path}: line {number}: expected {{"file": <32 hex digits>, "data": {{"$base64": ...}}}}')
    try:
        content = base64.b64decode(data["$base64"], validate=True)
    except ValueError as error:
        raise BackupError(f"{path}: line {number}: file {name}: {error}") from None
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(content)


def _check_line(path: Path, number: int, record, by_name: dict[str, Table]) -> tuple[str, dict, frozenset]:
    """The table, decoded row and SQL-NULL JSON columns of one line; BackupError names what is wrong."""
    where = f"{path}: line {number}"
    if not isinstance(record, dict) or not isinstance(record.get("row"), dict) or not set(record) <= LINE_KEYS:
        raise BackupError(f'{where}: expected {{"table": ..., "row": {{...}}}}')
    name = record.get("table")
    if name not in by_name:
        raise BackupError(f"{where}: unknown table {name!r}")
    table = by_name[name]
    row = record["row"]
    columns = set(table.columns.keys())
    if set(row) != columns:
        problems = []
        if missing := sorted(columns - set(row)):
            problems.append(f"missing columns {', '.join(missing)}")
        if unknown := sorted(set(row) - columns):
            problems.append(f"unknown columns {', '.join(unknown)}")
        raise BackupError(f"{where}: table {name}: {'; '.join(problems)}")
    sql_null = record.get("sql_null", [])
    nullable_json = {c.name for c in table.columns if isinstance(_kind(c), JSON) and c.nullable}
    if not isinstance(sql_null, list) or not set(sql_null) <= nullable_json:
        raise BackupError(f"{where}: sql_null must list nullable JSON columns of {name}")
    decoded = {}
    for column in table.columns:
        if column.name in sql_null:
            continue
        try:
            decoded[column.name] = _decode(column, row[column.name])
        except (ValueError, TypeError, zlib.error) as error:
            raise BackupError(f"{where}: {name}.{column.name}: {error}") from None
    return name, decoded, frozenset(sql_null)


def _insert(connection: Connection, path: Path, table: Table | None, batch: list[tuple[int, dict, frozenset]]) -> None:
    """Insert a batch of rows of one table, grouped by the JSON columns that are SQL NULL."""
    if not batch:
        return
    groups: dict[frozenset, list[dict]] = {}
    for _number, row, sql_null in batch:
        groups.setdefault(sql_null, []).append(row)
    try:
        for sql_null, rows in groups.items():
            statement = table.insert().values({name: null() for name in sql_null}) if sql_null else table.insert()
            connection.execute(statement, rows)
    except (DBAPIError, StatementError) as error:
        first, last = batch[0][0], batch[-1][0]
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise BackupError(f"{path}: lines {first}-{last}: table {table.name}: the database refused the rows: "
                          f"{reason}") from None  # fmt: skip


def _reset_sequences(connection: Connection) -> None:
    """Set every serial column's sequence past the largest id, so that new rows get fresh ids."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables():
        column = table.autoincrement_column
        if column is None:
            continue
        connection.execute(
            text(f"SELECT setval(pg_get_serial_sequence(:table, :column), coalesce(max({quote(column.name)}), 1), "
                 f"max({quote(column.name)}) IS NOT NULL) FROM {quote(table.name)}"),  # fmt: skip
            {"table": quote(table.name), "column": column.name},
        )


@contextmanager
def _open(path: Path) -> Iterator[Iterator[tuple[int, str]]]:
    """The numbered lines of a backup file; BackupError names the line where the file stops being readable."""
    try:
        file = gzip.open(path, "rt", encoding="utf-8", newline="\n")
    except OSError as error:
        raise BackupError(f"{path}: cannot open: {error.strerror or error}") from None
    with file:
        yield _numbered_lines(path, file)


def _numbered_lines(path: Path, file) -> Iterator[tuple[int, str]]:
    number = 0
    while True:
        number += 1
        try:
            line = file.readline()
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
            raise BackupError(f"{path}: line {number}: the file is truncated or damaged (not a complete gzip file "
                              f"of UTF-8 text: {error})") from None
        if not line:
            return
        if not line.endswith("\n"):
            raise BackupError(f"{path}: line {number}: the file is truncated (the last line is incomplete)")
        yield number, line


def _check_header(path: Path, line: str) -> dict:
    try:
        header = json.loads(line)
    except json.JSONDecodeError as error:
        raise BackupError(f"{path}: line 1: not an imready backup header ({error})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{path}: line 1: not an imready backup (no \"format\": \"{FORMAT}\")")
    if header.get("version") != VERSION:
        raise BackupError(f"{path}: line 1: backup format version {header.get('version')!r}; this code reads "
                          f"version {VERSION}")  # fmt: skip
    revision, head = header.get("alembic_revision"), code_revision()
    if revision != head:
        raise BackupError(f"{path}: line 1: the backup was made at database revision {revision}, but this code's "
                          f"migrations end at {head}; restoring a backup of another revision is not supported")
    if not isinstance(header.get("files", 0), int) or header.get("files", 0) < 0:
        raise BackupError(f"{path}: line 1: \"files\" must be a count")
    names = {table.name for table in tables()}
    counts = header.get("tables")
    if (not isinstance(counts, dict) or set(counts) != names
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts.values())):
        raise BackupError(f"{path}: line 1: \"tables\" must give the row count of every table: "
                          f"{', '.join(sorted(names))}")  # fmt: skip
    return header
