"""The checks of an import file's rows: every bad cell named by row, column and reason, the good rows kept."""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from assessment.answers import Answer, hidden_questions, parse_answers, unanswered
from assessment.classifications import load_industries, load_regions, size_class
from assessment.profile import EMPLOYEES_MAX, NAME_MAX_LENGTH, REVENUE_MAX
from questionnaires.loader import Questionnaire
from spreadsheets.cells import cell_code, cell_number, cell_text, is_filled, raw_answer
from spreadsheets.columns import ENTERPRISE_COLUMNS, Format, template_columns
from spreadsheets.reading import Problem, UnusableFile, read_table
from spreadsheets.wording import describe_condition, written_value
from storage.tables import EnterpriseBase


@dataclass(frozen=True)
class ImportRow:
    """A row that can be imported: the enterprise profile and its checked answers."""

    row: int
    profile: EnterpriseBase
    answers: dict[str, Answer]
    missing: tuple[str, ...]  # shown questions still unanswered (free text never counts), in file order

    @property
    def complete(self) -> bool:
        """Whether every shown question is answered, so that the assessment can be submitted."""
        return not self.missing


@dataclass
class ImportResult:
    """What a file holds: the rows that can be imported and every problem found, in row and column order."""

    format: Format | None
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stopped: bool = False  # the file as a whole could not be used: nothing in it is imported

    @property
    def rejected_rows(self) -> list[int]:
        """The rows not imported because of a bad cell, in order."""
        return sorted({problem.row for problem in self.problems if problem.row > 1})


def read_rows(data: bytes, filename: str, questionnaire: Questionnaire) -> ImportResult:
    """Read an import file (XLSX or CSV) and check every cell against `questionnaire`, keeping the good rows."""
    fmt: Format | None = None
    try:
        fmt, table = read_table(data, filename)
        header = next(table, None)
        if header is None or not any(is_filled(value) for value in header[1]):
            raise UnusableFile(Problem(1, "", "the file is empty; row 1 must hold the column ids"))
        checker = _RowChecker(questionnaire, header[1])
        result = ImportResult(fmt, problems=list(checker.header_problems))
        for number, values in table:
            checker.check(number, values, result)
        at = len(checker.header_problems)
        result.problems[at:at] = checker.unnamed_problems()  # with the header's problems, before the rows'
        return result
    except UnusableFile as stop:
        return ImportResult(fmt, problems=stop.problems, stopped=True)


class _RowChecker:
    """Checks the rows of one file against a questionnaire, knowing its header."""

    def __init__(self, questionnaire: Questionnaire, header: Sequence[object]):
        self.questionnaire = questionnaire
        self.columns = {column.id: column for column in template_columns(questionnaire)}
        self.regions = load_regions()
        self.industries = load_industries()
        self.positions: dict[str, int] = {}  # column id -> index in the row
        self.unnamed: dict[int, bool] = {}  # index of a column without an id -> whether a row has a value there
        self.header_problems: list[Problem] = []
        repeated: list[Problem] = []
        for index, value in enumerate(header):
            column_id = str(value).strip().lstrip("\ufeff").lower() if is_filled(value) else ""
            letter = get_column_letter(index + 1)
            if not column_id:
                self.unnamed[index] = False
            elif column_id in self.positions:
                first = get_column_letter(self.positions[column_id] + 1)
                repeated.append(Problem(1, column_id, f"the column appears twice, in {first} and {letter}; keep one",
                                        letter))
            elif column_id in self.columns:
                self.positions[column_id] = index
            else:
                close = difflib.get_close_matches(column_id, list(self.columns), n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                self.header_problems.append(Problem(1, column_id, f"unknown column, its values are not imported{hint}",
                                                    letter))
        missing = [
            Problem(1, column_id, "the column is missing; every file needs it, so nothing was imported")
            for column_id in ENTERPRISE_COLUMNS if column_id not in self.positions
        ]
        if missing or repeated:
            raise UnusableFile(*(repeated + missing))
        self.width = len(header)

    def unnamed_problems(self) -> list[Problem]:
        """One problem for each column without an id that holds a value in some row."""
        return [Problem(1, "", "this column has values but no column id in row 1; they are not imported",
                        get_column_letter(index + 1)) for index, seen in self.unnamed.items() if seen]

    def check(self, number: int, values: list, result: ImportResult) -> None:
        """Check one row; a good row joins `result.rows`, every bad cell joins `result.problems`."""
        if not any(is_filled(value) for value in values):
            return
        problems: list[Problem] = []
        for index in self.unnamed:
            if index < len(values) and is_filled(values[index]):
                self.unnamed[index] = True
        beyond = next((index for index in range(self.width, len(values)) if is_filled(values[index])), None)
        if beyond is not None:
            problems.append(Problem(number, "", "a value to the right of the last column; the row's cells may have "
                                                "shifted", get_column_letter(beyond + 1)))

        def cell(column_id: str) -> object:
            index = self.positions.get(column_id)
            return values[index] if index is not None and index < len(values) else None

        def report(column_id: str, reason: str) -> None:
            problems.append(Problem(number, column_id, reason, get_column_letter(self.positions[column_id] + 1)))

        profile = self._profile({column_id: cell(column_id) for column_id in ENTERPRISE_COLUMNS}, report)
        raw = {}
        for column_id in self.positions:
            question = self.columns[column_id].question
            if question is not None:
                value = raw_answer(question, cell(column_id))
                if value is not None:
                    raw[column_id] = value
        answers, answer_problems = parse_answers(self.questionnaire, raw, complete=False)
        invalid = {problem.question_id for problem in answer_problems}
        for problem in answer_problems:
            report(problem.question_id, problem.message)
        # An answer to a question the row's other answers hide is reported rather than dropped: one of the two cells
        # is wrong, only the person who collected the answers knows which, and dropping it could lose what was meant.
        hidden = hidden_questions(self.questionnaire, answers)
        for question_id in raw:
            if question_id in hidden and question_id not in invalid and not self._behind(question_id, invalid):
                report(question_id, self._hidden_reason(question_id, answers, hidden))
        problems.sort(key=lambda problem: (len(problem.letter), problem.letter))
        if problems:
            result.problems.extend(problems)
        elif profile is not None:
            missing = tuple(unanswered(self.questionnaire, answers))
            result.rows.append(ImportRow(number, profile, answers, missing))

    def _behind(self, question_id: str, invalid: set[str]) -> bool:
        """Whether the question's condition depends, at any depth, on a cell already reported as bad."""
        condition = self.questionnaire.questions[question_id].show_if
        while condition is not None:
            if condition.question in invalid:
                return True
            condition = self.questionnaire.questions[condition.question].show_if
        return False

    def _hidden_reason(self, question_id: str, answers: dict[str, Answer], hidden: set[str]) -> str:
        """Why an answer to a question the row's other answers hide is reported, naming the cell it depends on."""
        condition = self.questionnaire.questions[question_id].show_if
        source = condition.question
        if source in hidden:
            state = f"{source} is itself not asked in this row"
        elif source in answers:
            state = f"{source} is {written_value(answers[source])}"
        else:
            state = f"{source} is empty"
        asked_when = describe_condition(condition, "en", self.questionnaire.questions)
        return f"answered, but this question is asked only when {asked_when} and {state}; clear one of the two cells"

    def _profile(self, cells: dict[str, object], report) -> EnterpriseBase | None:
        """The enterprise profile of a row, or None after reporting what is wrong with it."""
        ok = True

        def bad(column_id: str, reason: str) -> None:
            nonlocal ok
            ok = False
            report(column_id, reason)

        name = cell_text(cells["enterprise_name"])
        if not name:
            bad("enterprise_name", "is empty; every row needs the enterprise's name")
        elif len(name) > NAME_MAX_LENGTH:
            bad("enterprise_name", f"is {len(name)} characters long; at most {NAME_MAX_LENGTH} allowed")
        region = cell_code(cells["region_code"])
        if not region:
            bad("region_code", "is empty; every row needs the GB/T 2260 code of the enterprise's city or province")
        elif region not in self.regions:
            bad("region_code", f"unknown region code {region!r}; expected the GB/T 2260 code of a province or city")
        elif self.regions.get(region).level == "country":
            bad("region_code", f"{region} is the whole country; give the code of the province or city")
        industry_code = cell_code(cells["industry_code"]).upper().removeprefix("C")
        industry = self.industries.get(industry_code)
        if not industry_code:
            bad("industry_code", "is empty; every row needs the GB/T 4754 manufacturing division (13 to 43)")
        elif industry is None:
            bad("industry_code", f"unknown industry code {cell_text(cells['industry_code'])!r}; expected a GB/T 4754 "
                                 "manufacturing division from 13 to 43")
        employees = _enterprise_number(cells["employees"], "employees", EMPLOYEES_MAX, whole=True, bad=bad)
        revenue = _enterprise_number(cells["revenue_million_yuan"], "revenue_million_yuan", REVENUE_MAX,
                                     whole=False, bad=bad)
        if not ok:
            return None
        return EnterpriseBase(
            name=name, region_code=region, industry_code=industry.code, industry_type=industry.type,
            employees=int(employees), revenue_million_yuan=revenue, size_class=size_class(int(employees), revenue),
        )


def _enterprise_number(value: object, column_id: str, maximum: float, *, whole: bool, bad) -> float | None:
    """The employees or revenue of a row, or None after reporting what is wrong with the cell."""
    if not is_filled(value):
        bad(column_id, "is empty; every row needs it, to place the enterprise in its size class")
        return None
    number = cell_number(value)
    try:
        number = float(number)
    except (TypeError, ValueError):
        bad(column_id, f"expected {'a whole number' if whole else 'a number'}, got {cell_text(value)!r}")
        return None
    if not math.isfinite(number) or (whole and not number.is_integer()):
        bad(column_id, f"expected {'a whole number' if whole else 'a number'}, got {cell_text(value)!r}")
        return None
    if not 0 <= number <= maximum:
        bad(column_id, f"{number:g} is outside the allowed range 0 to {maximum:g}")
        return None
    return number
