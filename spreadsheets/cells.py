"""How a spreadsheet cell is read: as text, as a code, as a number, or as the raw answer `parse_answers` takes."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from questionnaires.schema import (
    NOT_APPLICABLE,
    LadderQuestion,
    MultipleQuestion,
    NumberQuestion,
    SingleQuestion,
    TextQuestion,
    YesNoQuestion,
)

NOT_APPLICABLE_WORDS = {"na", "n/a", "不适用"}
NOTHING_TICKED_WORDS = {"none", "无"}
YES_WORDS = {"yes", "y", "true", "1", "是"}
NO_WORDS = {"no", "n", "false", "0", "否"}
_CHECKLIST_SEPARATORS = re.compile(r"[;,；，、\n]")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


class Percent(float):
    """A number read from an XLSX cell formatted as a percentage: 0.25 shown as 25%."""


def is_filled(value: object) -> bool:
    """Whether a cell holds a value: blank text counts as empty."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str:
    """A cell as text: numbers without a trailing .0, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value).strip()


def cell_code(value: object) -> str:
    """A region or industry code as text, whether typed as text or as a number."""
    return cell_text(value).replace(" ", "")


def cell_number(value: object) -> object:
    """A number cell as a number, or its text with thousands separators removed (text stays text)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = cell_text(value)
    return text.replace(",", "") if _THOUSANDS.fullmatch(text) else text


def raw_answer(question, value: object) -> object | None:
    """A cell as the raw value `parse_answer` takes (the JSON answer format); None for an empty cell."""
    # Only the cell's spelling is read here; whether the answer is valid is `parse_answers`' to say, as for the survey.
    if not is_filled(value):
        return None
    if isinstance(question, TextQuestion):
        return cell_text(value)
    if isinstance(value, str) and value.strip().lower() in NOT_APPLICABLE_WORDS:
        return NOT_APPLICABLE
    if isinstance(question, LadderQuestion):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value.strip() if isinstance(value, str) else value
    if isinstance(question, SingleQuestion):
        return cell_text(value).lower()
    if isinstance(question, MultipleQuestion):
        text = cell_text(value).lower()
        options = {option.id for option in question.options}
        if text in NOTHING_TICKED_WORDS and text not in options:
            return []
        return [part.strip() for part in _CHECKLIST_SEPARATORS.split(text) if part.strip()]
    if isinstance(question, NumberQuestion):
        if isinstance(value, Percent) and question.unit.en.startswith("%"):
            return round(float(value) * 100, 10)
        number = cell_number(value)
        if isinstance(number, str) and question.unit.en.startswith("%"):
            number = number.removesuffix("%").strip()
        return number
    if isinstance(question, YesNoQuestion):
        if isinstance(value, bool):
            return value
        text = cell_text(value).lower()
        if text in YES_WORDS:
            return True
        if text in NO_WORDS:
            return False
        return text
    return value
