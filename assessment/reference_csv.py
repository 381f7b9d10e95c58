"""CSV files of reference data (regional indicators, published benchmarks): UTF-8 text with or without a byte-order
mark, a header naming the columns, each row validated by a pydantic model, every problem named by line and field.

`ReferenceFileError` is what any reference-data file that cannot be used raises. No Flask and no database here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from assessment.classifications import ClassificationFileError


class ReferenceFileError(ClassificationFileError):
    """A reference-data file (index definition, indicator or published-benchmark CSV) that cannot be used."""


Row = TypeVar("Row", bound=BaseModel)
CsvProblem = tuple[int, str, str]  # (line, 0 for the whole file; field, "" for the whole row; message)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _number(text: object) -> object:
    if isinstance(text, str):
        if not text:
            raise ValueError("is empty")
        if not _NUMBER.fullmatch(text):
            raise ValueError(f"{text!r} is not a number")
        if abs(float(text)) == float("inf"):
            raise ValueError(f"{text!r} is too large")
    return text


def _year(text: object) -> object:
    if isinstance(text, str) and not (re.fullmatch(r"\d{4}", text) and 1900 <= int(text) <= 2100):
        raise ValueError(f"{text!r} is not a year (four digits, e.g. 2025)")
    return text


Number = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]
Year = Annotated[int, BeforeValidator(_year), Field(ge=1900, le=2100)]


def read_csv_text(path: Path | str) -> str:
    """The text of a UTF-8 CSV file, with or without a byte-order mark; ReferenceFileError if it cannot be read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReferenceFileError(path, [("", f"cannot read file: {error.strerror}")]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ReferenceFileError(path, [(f"line {line}", "not UTF-8 text")]) from None


def _problem_text(error: Any) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    value = error.get("input")
    if value == "":
        return "is empty"
    shown = f"{value[:40]}…" if isinstance(value, str) and len(value) > 40 else value
    return f"{error['msg']}, got {shown!r}"


def validate_csv_rows(text: str, model: type[Row], *, context: Mapping[str, Any]) -> tuple[list[tuple[int, Row]],
                                                                                            list[CsvProblem]]:
    """Each row of a CSV text validated by `model` (whose fields are the columns) with its line, and every problem."""
    columns = list(model.model_fields)
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    rows, problems = [], []
    try:
        header = [cell.strip() for cell in next(reader, [])]
        missing = [column for column in columns if column not in header]
        unknown = [column for column in header if column not in columns]
        if missing or unknown or len(set(header)) < len(header):
            expected = ",".join(columns)
            return [], [(1, "", f"the header must name the columns {expected}, got {','.join(header) or 'nothing'}")]
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problems.append((line, "", f"{len(cells)} fields, expected {len(header)}"))
                continue
            raw = {column: cell.strip() for column, cell in zip(header, cells, strict=True)}
            try:
                rows.append((line, model.model_validate(raw, context=context)))
            except ValidationError as error:
                problems.extend((line, ".".join(map(str, e["loc"])), _problem_text(e)) for e in error.errors())
    except csv.Error as error:
        problems.append((reader.line_num, "", f"not valid CSV: {error}"))
    return rows, problems


def csv_file_error(file_name: str, problems: Iterable[CsvProblem]) -> ReferenceFileError:
    """The error listing CSV problems in line order: "file: line 7: value: 'abc' is not a number"."""
    keyed = []
    for line, field, message in sorted(problems, key=lambda problem: problem[0]):
        where = ": ".join(part for part in (f"line {line}" if line else "", field) if part)
        keyed.append((where, message))
    return ReferenceFileError(Path(file_name), keyed)
