"""Assessments collected offline, imported from a CSV or XLSX file: one row per enterprise, one column per question.

Row 1 holds the column ids: the enterprise columns `enterprise_name`, `region_code` (GB/T 2260), `industry_code`
(GB/T 4754 division), `employees` and `revenue_million_yuan`, then one column per question id in page order
(`template_columns`, `write_template`, `write_template_guide`). `read_rows` checks a file cell by cell and keeps the
good rows; `import_rows` turns them into enterprises with draft or submitted assessments through the same store
functions the survey uses. Every answer is checked by `assessment.answers.parse_answers`: this module only turns
spreadsheet cells into the raw answer values that function takes.

How cells are read:

- An empty cell is an unanswered question. A row with unanswered questions is imported as a draft that can be
  completed online; only complete rows are submitted.
- Ladder: a level 0-5. Single choice: an option id (case does not matter). Yes/no: yes, no, true, false, 1, 0, y,
  n, 是 or 否. Number: a number (thousands separators and, for percentages, a trailing % allowed; an XLSX cell
  formatted as a percentage is read as the percentage it shows). Checklist: option ids separated by `;` or `,`
  (also `；`, `，`, `、`), or `none` (无) when nothing is ticked. Free text: as written. `na` (n/a, 不适用) is "not
  applicable" where a question allows it.
- A question asked only under a condition (`show_if`) may be left empty when the condition does not hold. When it is
  filled although the condition does not hold, the cell is reported and the row is not imported: one of the two
  cells is wrong and only the person who collected the answers knows which (the online survey never shows such a
  question, so dropping the answer silently could lose what the respondent meant).

What is reported (`Problem(row, column, reason, letter)`, row as the spreadsheet shows it, the header being row 1):

- every bad cell; a row with any bad cell is not imported, the other rows are;
- each unknown column once, in row 1 (its values are not imported; the rows are);
- values in a column without an id, once, in row 1;
- a missing enterprise column, a repeated column id, an empty or unreadable file: the file is not imported at all
  (`ImportResult.stopped`).

Question columns may be left out of the file; their questions are unanswered.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlmodel import Session

from assessment.answers import Answer, hidden_questions, parse_answers, unanswered
from assessment.classifications import INDUSTRY_TYPE_LABELS, load_industries, load_regions, size_class
from questionnaires.loader import Questionnaire
from questionnaires.schema import (
    NOT_APPLICABLE,
    Condition,
    LadderQuestion,
    MultipleQuestion,
    NumberQuestion,
    SingleQuestion,
    Text,
    TextQuestion,
    YesNoQuestion,
)
from storage.assessments import save_answers, start_assessment
from storage.statistics import Recorded
from storage.tables import EnterpriseBase

Format = Literal["csv", "xlsx"]

ENTERPRISE_COLUMNS = ("enterprise_name", "region_code", "industry_code", "employees", "revenue_million_yuan")
NAME_MAX_LENGTH = 200  # as EnterpriseBase.name
MAX_EMPLOYEES = 5_000_000  # as the profile form
MAX_REVENUE = 10_000_000.0
TEMPLATE_ROWS = 5000  # how far down the template's data validation reaches

NOT_APPLICABLE_WORDS = {"na", "n/a", "不适用"}
NOTHING_TICKED_WORDS = {"none", "无"}
YES_WORDS = {"yes", "y", "true", "1", "是"}
NO_WORDS = {"no", "n", "false", "0", "否"}
_CHECKLIST_SEPARATORS = re.compile(r"[;,；，、\n]")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")

# The few words of the template and its guide, in each supported language (question texts come from the file).
_WORDS: dict[str, tuple[str, str]] = {
    "enterprise_name": ("Enterprise name", "企业名称"),
    "region_code": ("Region code (GB/T 2260) of the city, or of the province",
                    "所在地区代码（GB/T 2260，地市级或省级）"),
    "industry_code": ("Industry: GB/T 4754 manufacturing division", "所属行业：GB/T 4754制造业大类"),
    "employees": ("Employees", "从业人员数"),
    "revenue_million_yuan": ("Annual revenue (million yuan)", "年营业收入（百万元）"),
    "enterprise": ("Enterprise", "企业信息"),
    "required": ("required", "必填"),
    "ladder": ("Ladder (level 0-5)", "阶梯题（0–5级）"),
    "single": ("Single choice", "单选题"),
    "multiple": ("Checklist (several options)", "多选题"),
    "number": ("Number", "数值题"),
    "yesno": ("Yes/no", "是非题"),
    "text": ("Free text", "文字题"),
    "name_values": ("Text, at most 200 characters", "文字，最多200个字符"),
    "region_values": ("Six-digit code of a province or city, see the sheet 'regions'; e.g. 370200",
                      "省级或地市级的六位代码，见“regions”工作表；例如370200"),
    "region_values_guide": ("Six-digit code of a province or city, see the list of regions below; e.g. 370200",
                            "省级或地市级的六位代码，见下文地区列表；例如370200"),
    "industry_values": ("Two-digit division 13-43, see the sheet 'industries'; e.g. 34",
                        "两位大类代码13–43，见“industries”工作表；例如34"),
    "industry_values_guide": ("Two-digit division 13-43, see the list of industries below; e.g. 34",
                              "两位大类代码13–43，见下文行业列表；例如34"),
    "employees_values": ("A whole number, 0 or more", "整数，不小于0"),
    "revenue_values": ("A number, 0 or more", "数值，不小于0"),
    "levels": ("0, 1, 2, 3, 4 or 5: the highest level whose description is fully true",
               "0、1、2、3、4或5：完全符合的最高等级"),
    "one_of": ("One option id:", "填写一个选项代码："),
    "some_of": ("Option ids separated by ; or , (e.g. {example}); none = nothing ticked. Options:",
                "选项代码，用;或,分隔（例如{example}）；都不符合时填none。选项："),
    "yes_no": ("yes or no (also true/false, 1/0, 是/否)", "yes或no（也可填true/false、1/0、是/否）"),
    "number_range": ("A number from {min} to {max}", "{min}至{max}之间的数值"),
    "whole_range": ("A whole number from {min} to {max}", "{min}至{max}之间的整数"),
    "unit": ("unit", "单位"),
    "free_text": ("Any text, at most {count} characters; may be left empty", "任意文字，最多{count}个字符；可不填"),
    "na": ("na = not applicable", "na = 不适用"),
    "asked_when": ("Asked only when {condition}; leave empty otherwise.", "仅当{condition}时作答，否则留空。"),
    "column": ("Column", "列"),
    "letter": ("Letter", "列号"),
    "page": ("Page", "页面"),
    "question": ("Question", "题目"),
    "type": ("Type", "题型"),
    "values": ("Allowed values", "填写内容"),
    "notes": ("Notes", "说明"),
    "rules": (
        "One row per enterprise. Row 1 holds the column ids: do not change them. An empty cell means the question "
        "was not answered; rows with unanswered questions are imported as drafts that can be completed online.",
        "每家企业填写一行。第1行为列代码，请勿修改。空白单元格表示该题未作答；有未作答题目的行将作为草稿导入，可在线补充完成。",
    ),
    "guide_title": ("Import template", "导入模板"),
    "regions": ("Regions (GB/T 2260)", "地区（GB/T 2260）"),
    "industries": ("Industries (GB/T 4754 manufacturing divisions)", "行业（GB/T 4754制造业大类）"),
    "code": ("Code", "代码"),
    "name": ("Name", "名称"),
    "province": ("Province", "省级行政区"),
    "industry_type": ("Production type", "生产类型"),
    "yes": ("yes", "是"),  # as a cell may hold them
    "no": ("no", "否"),
    "is": ("{question} is {value}", "{question}为{value}"),
    "is_one_of": ("{question} is one of {value}", "{question}为{value}之一"),
    "includes": ("{question} includes {value}", "{question}包含{value}"),
    "includes_one_of": ("{question} includes one of {value}", "{question}包含{value}之一"),
    "at_least": ("{question} is at least {value}", "{question}不小于{value}"),
}


def _word(key: str, lang: str, **values: object) -> str:
    en, zh = _WORDS[key]
    return (zh if lang == "zh" else en).format(**values)


# ------------------------------------------------------------------------------------------------------------------
# Columns and the template


@dataclass(frozen=True)
class Column:
    """One column of the import file: an enterprise field (`question` None) or a question."""

    id: str
    question: object | None = None  # the question model of a question column
    page: Text | None = None  # the page (dimension) name of a question column
    required: bool = False  # a file without this column is not imported


def template_columns(questionnaire: Questionnaire) -> list[Column]:
    """The columns of an import file: the enterprise columns, then every question in page order."""
    columns = [Column(column_id, required=True) for column_id in ENTERPRISE_COLUMNS]
    for dimension in questionnaire.dimensions:
        columns.extend(Column(question.id, question, dimension.name) for question in dimension.questions)
    return columns


@dataclass(frozen=True)
class ColumnGuide:
    """What to write in one column, in one language."""

    column: str
    page: str
    question: str
    type: str
    values: str  # allowed values, one per line where there are several
    notes: str


def column_guide(column: Column, lang: str) -> ColumnGuide:
    """The documentation of one column in `lang` ("zh" for Chinese, English otherwise)."""
    question = column.question
    if question is None:
        values = {"enterprise_name": "name_values", "region_code": "region_values", "industry_code": "industry_values",
                  "employees": "employees_values", "revenue_million_yuan": "revenue_values"}[column.id]
        return ColumnGuide(column.id, _word("enterprise", lang), _word(column.id, lang),
                           _word("required", lang), _word(values, lang), "")
    lines: list[str] = []
    if isinstance(question, LadderQuestion):
        lines.append(_word("levels", lang))
        lines.extend(f"{level} = {text.get(lang)}" for level, text in enumerate(question.levels))
    elif isinstance(question, SingleQuestion):
        lines.append(_word("one_of", lang))
        lines.extend(f"{option.id} = {option.label.get(lang)}" for option in question.options)
    elif isinstance(question, MultipleQuestion):
        example = ";".join(option.id for option in question.options[:2])
        lines.append(_word("some_of", lang, example=example))
        lines.extend(f"{option.id} = {option.label.get(lang)}" for option in question.options)
    elif isinstance(question, NumberQuestion):
        key = "whole_range" if question.integer else "number_range"
        lines.append(_word(key, lang, min=f"{question.min:g}", max=f"{question.max:g}"))
        lines.append(f"{_word('unit', lang)}: {question.unit.get(lang)}")
    elif isinstance(question, YesNoQuestion):
        lines.append(_word("yes_no", lang))
    else:
        lines.append(_word("free_text", lang, count=question.max_length))
    if question.not_applicable:
        lines.append(_word("na", lang))
    notes = _word("asked_when", lang, condition=_describe_condition(question.show_if, lang)) if question.show_if else ""
    page = column.page.get(lang) if column.page else ""
    return ColumnGuide(column.id, page, question.text.get(lang), _word(question.type, lang), "\n".join(lines), notes)


def _describe_condition(condition: Condition, lang: str, questions: dict | None = None) -> str:
    """A condition in the words of the import file: `en_platform is yes`."""
    checklist = questions is not None and isinstance(questions.get(condition.question), MultipleQuestion)
    if condition.equals is not None:
        key, value = ("includes" if checklist else "is"), _cell_text(condition.equals, lang)
    elif condition.one_of is not None:
        key, value = ("includes_one_of" if checklist else "is_one_of"), ", ".join(map(str, condition.one_of))
    else:
        key, value = "at_least", f"{condition.at_least:g}"
    return _word(key, lang, question=condition.question, value=value)


def _cell_text(value: object, lang: str = "en") -> str:
    """A value as it is written in a cell."""
    if isinstance(value, bool):
        return _word("yes" if value else "no", lang)
    if isinstance(value, tuple | list):
        return ";".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def write_template(questionnaire: Questionnaire, fmt: Format, lang: str) -> bytes:
    """An empty import file: CSV (UTF-8 with a byte-order mark, so that Excel reads Chinese, the header row only;
    its documentation is `write_template_guide`) or XLSX (sheet "assessments" with the header row, commented and
    with drop-down lists, sheet "columns" documenting every column, sheets "regions" and "industries" with the
    codes)."""
    columns = template_columns(questionnaire)
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow([column.id for column in columns])
        return buffer.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        return _template_xlsx(questionnaire, columns, lang)
    raise ValueError(f"unknown template format {fmt!r}; expected csv or xlsx")


def _template_xlsx(questionnaire: Questionnaire, columns: list[Column], lang: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "assessments"
    guides = [column_guide(column, lang) for column in columns]
    for index, (column, guide) in enumerate(zip(columns, guides, strict=True), start=1):
        cell = sheet.cell(1, index, column.id)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(14, len(column.id) + 2)
        comment = f"{guide.question}\n{guide.type}: {guide.values.splitlines()[0]}"
        cell.comment = Comment(comment[:1000], questionnaire.id, width=320, height=160)
        if column.id in ("region_code", "industry_code"):
            for row in range(2, TEMPLATE_ROWS + 2):  # typed codes stay text, as the code lists hold them
                sheet.cell(row, index).number_format = "@"
        validation = _validation(column.question)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.freeze_panes = "B2"

    documentation = workbook.create_sheet("columns")
    headers = [_word(key, lang) for key in ("column", "letter", "page", "question", "type", "values", "notes")]
    documentation.append(headers)
    for cell in documentation[1]:
        cell.font = Font(bold=True)
    for index, guide in enumerate(guides, start=1):
        documentation.append([guide.column, get_column_letter(index), guide.page, guide.question, guide.type,
                              guide.values, guide.notes])
    for letter, width in zip("ABCDEFG", (24, 8, 24, 50, 18, 70, 30), strict=True):
        documentation.column_dimensions[letter].width = width
    for row in documentation.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    documentation.append([])
    documentation.append([_word("rules", lang)])
    documentation.freeze_panes = "B2"

    regions = workbook.create_sheet("regions")
    regions.append([_word(key, lang) for key in ("code", "name", "province")])
    for code, name, province in _region_rows(lang):
        regions.append([code, name, province])
    industries = workbook.create_sheet("industries")
    industries.append([_word(key, lang) for key in ("code", "name", "industry_type")])
    for industry in sorted(load_industries().values(), key=lambda industry: industry.code):
        industries.append([industry.code, industry.name(lang), INDUSTRY_TYPE_LABELS[industry.type][lang]])
    for extra in (regions, industries):
        for cell in extra[1]:
            cell.font = Font(bold=True)
        extra.column_dimensions["A"].width, extra.column_dimensions["B"].width = 10, 40
        extra.column_dimensions["C"].width = 20
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _validation(question) -> DataValidation | None:
    """A drop-down list (or a number check) for a choice, ladder, yes/no or number column; None where none fits."""
    if question is None:
        return None
    na = [NOT_APPLICABLE] if question.not_applicable else []
    if isinstance(question, NumberQuestion):
        if question.not_applicable:
            return None
        kind = "whole" if question.integer else "decimal"
        return DataValidation(type=kind, operator="between", formula1=f"{question.min:g}",
                              formula2=f"{question.max:g}", allow_blank=True, showErrorMessage=True)
    if isinstance(question, LadderQuestion):
        values = [str(level) for level in range(6)] + na
    elif isinstance(question, SingleQuestion):
        values = [option.id for option in question.options] + na
    elif isinstance(question, YesNoQuestion):
        values = ["yes", "no"] + na
    else:
        return None
    formula = '"' + ",".join(values) + '"'
    if len(formula) > 257:  # Excel's limit for a list written into the rule: 255 characters between the quotes
        return None
    return DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)


def _region_rows(lang: str) -> list[tuple[str, str, str]]:
    tree = load_regions()
    rows = []
    for province in tree.provinces():
        rows.append((province.code, province.name(lang), province.name(lang)))
        rows.extend((city.code, city.name(lang), province.name(lang)) for city in tree.children(province.code))
    return rows


def write_template_guide(questionnaire: Questionnaire, lang: str) -> str:
    """The documentation of the CSV template as Markdown: every column with its question, type and allowed values,
    then the region and industry codes."""
    definition = questionnaire.definition
    out = [f"# {_word('guide_title', lang)}: {definition.title.get(lang)} ({questionnaire.id} "
           f"{questionnaire.version})", "", _word("rules", lang), ""]
    page = None
    for index, column in enumerate(template_columns(questionnaire), start=1):
        guide = column_guide(column, lang)
        if guide.page != page:
            page = guide.page
            out += [f"## {page}", ""]
        if column.question is None:
            key = {"region_code": "region_values_guide", "industry_code": "industry_values_guide"}.get(column.id)
            values = _word(key, lang) if key else guide.values
            out += [f"- `{column.id}` ({get_column_letter(index)}, {guide.type}): {guide.question}. {values}", ""]
            continue
        out += [f"### `{column.id}` ({get_column_letter(index)})", "", guide.question, "",
                f"{_word('type', lang)}: {guide.type}", ""]
        first, *rest = guide.values.splitlines()
        out.append(first)
        out += [f"- `{line.split(' = ', 1)[0]}` = {line.split(' = ', 1)[1]}" if " = " in line else f"- {line}"
                for line in rest]
        out.append("")
        if guide.notes:
            out += [guide.notes, ""]
    out += [f"## {_word('industries', lang)}", "", f"| {_word('code', lang)} | {_word('name', lang)} | "
            f"{_word('industry_type', lang)} |", "|---|---|---|"]
    for industry in sorted(load_industries().values(), key=lambda industry: industry.code):
        out.append(f"| {industry.code} | {industry.name(lang)} | {INDUSTRY_TYPE_LABELS[industry.type][lang]} |")
    out += ["", f"## {_word('regions', lang)}", "",
            f"| {_word('code', lang)} | {_word('name', lang)} | {_word('province', lang)} |", "|---|---|---|"]
    out += [f"| {code} | {name} | {province} |" for code, name, province in _region_rows(lang)]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------------------------
# Reading a file


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an import file: the row as the spreadsheet shows it (the header is row 1; 0 when the file
    as a whole cannot be read), the column id ("" when there is none) and its letter (A, B, ...; "" for a missing
    column or the whole file)."""

    row: int
    column: str
    reason: str
    letter: str = ""

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row else []
        if self.letter or self.column:
            where.append(f"column {self.letter} ({self.column})" if self.letter and self.column
                         else f"column {self.letter or self.column}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


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


class _FileProblem(Exception):
    """The file as a whole cannot be used."""

    def __init__(self, *problems: Problem):
        self.problems = list(problems)


class _Percent(float):
    """A number read from an XLSX cell formatted as a percentage: 0.25 shown as 25%."""


def read_rows(data: bytes, filename: str, questionnaire: Questionnaire) -> ImportResult:
    """Read an import file (XLSX, or CSV in UTF-8 with or without a byte-order mark, or GB18030 as saved by Chinese
    Excel) and check every cell against `questionnaire`; see the module's documentation for what is accepted."""
    fmt: Format | None = None
    try:
        fmt, table = _read_table(data, filename)
        header = next(table, None)
        if header is None or not any(_is_filled(value) for value in header[1]):
            raise _FileProblem(Problem(1, "", "the file is empty; row 1 must hold the column ids"))
        checker = _RowChecker(questionnaire, header[1])
        result = ImportResult(fmt, problems=list(checker.header_problems))
        for number, values in table:
            checker.check(number, values, result)
        at = len(checker.header_problems)
        result.problems[at:at] = checker.unnamed_problems()  # with the header's problems, before the rows'

        return result
    except _FileProblem as stop:
        return ImportResult(fmt, problems=stop.problems, stopped=True)


def _read_table(data: bytes, filename: str) -> tuple[Format, Iterator[tuple[int, list]]]:
    """The format and the rows (row number, cell values) of a file."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx", _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _FileProblem(Problem(0, "", "this is an old Excel (.xls) file; save it as .xlsx or .csv and import "
                                          "that"))
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise _FileProblem(Problem(0, "", "the file is named .xlsx but is not an Excel workbook"))
    return "csv", _csv_rows(_decode(data))


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _FileProblem(Problem(0, "", "the file is neither an Excel workbook nor CSV text in UTF-8 or "
                                          "GB18030")) from None


def _csv_rows(text: str) -> Iterator[tuple[int, list]]:
    """CSV records numbered as a spreadsheet numbers them (a cell may hold several lines; it is still one row).
    The delimiter is the one of `,`, `;` and tab that splits the header into the most columns."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise _FileProblem(Problem(reader.line_num, "", f"not valid CSV: {error}")) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    """The rows of the sheet "assessments", or of the first sheet when there is none by that name."""
    with warnings.catch_warnings():  # openpyxl warns about features of the file it does not read, e.g. extensions
        warnings.simplefilter("ignore")
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise _FileProblem(Problem(0, "", f"not a readable Excel workbook: {error}")) from None
        try:
            sheet = workbook["assessments"] if "assessments" in workbook.sheetnames else workbook.worksheets[0]
            rows = [[_xlsx_value(cell) for cell in cells] for cells in sheet.iter_rows()]
        finally:
            workbook.close()
    return enumerate(rows, start=1)


def _xlsx_value(cell) -> object:
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return _Percent(value)
    return value


def _is_filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


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
            column_id = str(value).strip().lstrip("\ufeff").lower() if _is_filled(value) else ""
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
            raise _FileProblem(*(repeated + missing))
        self.width = len(header)

    def unnamed_problems(self) -> list[Problem]:
        return [Problem(1, "", "this column has values but no column id in row 1; they are not imported",
                        get_column_letter(index + 1)) for index, seen in self.unnamed.items() if seen]

    def check(self, number: int, values: list, result: ImportResult) -> None:
        """Check one row; a good row joins `result.rows`, every bad cell joins `result.problems`."""
        if not any(_is_filled(value) for value in values):
            return
        problems: list[Problem] = []
        for index in self.unnamed:
            if index < len(values) and _is_filled(values[index]):
                self.unnamed[index] = True
        beyond = next((index for index in range(self.width, len(values)) if _is_filled(values[index])), None)
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
                value = _raw_answer(question, cell(column_id))
                if value is not None:
                    raw[column_id] = value
        answers, answer_problems = parse_answers(self.questionnaire, raw, complete=False)
        invalid = {problem.question_id for problem in answer_problems}
        for problem in answer_problems:
            report(problem.question_id, problem.message)
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
        condition = self.questionnaire.questions[question_id].show_if
        source = condition.question
        if source in hidden:
            state = f"{source} is itself not asked in this row"
        elif source in answers:
            state = f"{source} is {_cell_text(answers[source])}"
        else:
            state = f"{source} is empty"
        asked_when = _describe_condition(condition, "en", self.questionnaire.questions)
        return f"answered, but this question is asked only when {asked_when} and {state}; clear one of the two cells"

    def _profile(self, cells: dict[str, object], report) -> EnterpriseBase | None:
        """The enterprise profile of a row, or None after reporting what is wrong with it."""
        ok = True

        def bad(column_id: str, reason: str) -> None:
            nonlocal ok
            ok = False
            report(column_id, reason)

        name = _text(cells["enterprise_name"])
        if not name:
            bad("enterprise_name", "is empty; every row needs the enterprise's name")
        elif len(name) > NAME_MAX_LENGTH:
            bad("enterprise_name", f"is {len(name)} characters long; at most {NAME_MAX_LENGTH} allowed")
        region = _code(cells["region_code"])
        if not region:
            bad("region_code", "is empty; every row needs the GB/T 2260 code of the enterprise's city or province")
        elif region not in self.regions:
            bad("region_code", f"unknown region code {region!r}; expected the GB/T 2260 code of a province or city")
        elif self.regions.get(region).level == "country":
            bad("region_code", f"{region} is the whole country; give the code of the province or city")
        industry_code = _code(cells["industry_code"]).upper().removeprefix("C")
        industry = self.industries.get(industry_code)
        if not industry_code:
            bad("industry_code", "is empty; every row needs the GB/T 4754 manufacturing division (13 to 43)")
        elif industry is None:
            bad("industry_code", f"unknown industry code {_text(cells['industry_code'])!r}; expected a GB/T 4754 "
                                 "manufacturing division from 13 to 43")
        employees = _enterprise_number(cells["employees"], "employees", MAX_EMPLOYEES, whole=True, bad=bad)
        revenue = _enterprise_number(cells["revenue_million_yuan"], "revenue_million_yuan", MAX_REVENUE,
                                     whole=False, bad=bad)
        if not ok:
            return None
        return EnterpriseBase(
            name=name, region_code=region, industry_code=industry.code, industry_type=industry.type,
            employees=int(employees), revenue_million_yuan=revenue, size_class=size_class(int(employees), revenue),
        )


def _text(value: object) -> str:
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


def _code(value: object) -> str:
    """A region or industry code as text, whether typed as text or as a number."""
    return _text(value).replace(" ", "")


def _number_text(value: object) -> object:
    """A number cell as a number, or its text with thousands separators removed (text stays text)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = _text(value)
    return text.replace(",", "") if _THOUSANDS.fullmatch(text) else text


def _enterprise_number(value: object, column_id: str, maximum: float, *, whole: bool, bad) -> float | None:
    if not _is_filled(value):
        bad(column_id, "is empty; every row needs it, to place the enterprise in its size class")
        return None
    number = _number_text(value)
    try:
        number = float(number)
    except (TypeError, ValueError):
        bad(column_id, f"expected {'a whole number' if whole else 'a number'}, got {_text(value)!r}")
        return None
    if not math.isfinite(number) or (whole and not number.is_integer()):
        bad(column_id, f"expected {'a whole number' if whole else 'a number'}, got {_text(value)!r}")
        return None
    if not 0 <= number <= maximum:
        bad(column_id, f"{number:g} is outside the allowed range 0 to {maximum:g}")
        return None
    return number


def _raw_answer(question, value: object) -> object | None:
    """A cell as the raw value `parse_answer` takes (the JSON answer format); None for an empty cell."""
    if not _is_filled(value):
        return None
    if isinstance(question, TextQuestion):
        return _text(value)
    if isinstance(value, str) and value.strip().lower() in NOT_APPLICABLE_WORDS:
        return NOT_APPLICABLE
    if isinstance(question, LadderQuestion):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value.strip() if isinstance(value, str) else value
    if isinstance(question, SingleQuestion):
        return _text(value).lower()
    if isinstance(question, MultipleQuestion):
        text = _text(value).lower()
        options = {option.id for option in question.options}
        if text in NOTHING_TICKED_WORDS and text not in options:
            return []
        return [part.strip() for part in _CHECKLIST_SEPARATORS.split(text) if part.strip()]
    if isinstance(question, NumberQuestion):
        if isinstance(value, _Percent) and question.unit.en.startswith("%"):
            return round(float(value) * 100, 10)
        number = _number_text(value)
        if isinstance(number, str) and question.unit.en.startswith("%"):
            number = number.removesuffix("%").strip()
        return number
    if isinstance(question, YesNoQuestion):
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in YES_WORDS:
            return True
        if text in NO_WORDS:
            return False
        return text
    return value


# ------------------------------------------------------------------------------------------------------------------
# Importing


@dataclass(frozen=True)
class Imported:
    """An enterprise and assessment created from one row."""

    row: int
    enterprise_id: int
    assessment_id: int
    token: str  # the resume link's secret
    status: Literal["draft", "submitted"]
    recorded: Recorded | None = None  # the benchmark cells a submission changed; see `changed_statistics`


def import_rows(session: Session, questionnaire: Questionnaire, result: ImportResult, *, submit: bool,
                submitted_at: datetime | None = None) -> list[Imported]:
    """Create an enterprise and an assessment for every good row of `result`, as the survey does: the answers are
    saved to a draft; with `submit`, every complete row is scored, submitted (at `submitted_at`, default now) and
    recorded in the benchmarks. Incomplete rows stay drafts whatever `submit` says. Each row is committed on its
    own; the cohort statistics are left to the caller (`changed_statistics`)."""
    created = []
    for row in result.rows:
        assessment = start_assessment(session=session, profile=row.profile, questionnaire=questionnaire)
        save_answers(session=session, assessment=assessment, answers=row.answers)
        recorded = None
        if submit and row.complete:
            submission = submit(session=session, assessment=assessment, questionnaire=questionnaire,
                                answers=row.answers, submitted_at=submitted_at)
            if submission is not None:
                recorded = submission.recorded
        created.append(Imported(row.row, assessment.enterprise_id, assessment.id, assessment.token,
                                "submitted" if assessment.status == "submitted" else "draft", recorded))
    return created


def changed_statistics(imported: Iterable[Imported]) -> list[Recorded]:
    """The cohort cells to refresh after an import, one `Recorded` per period (for `assessment.benchmarks.refresh`)."""
    cells: dict[int, set] = {}
    for item in imported:
        if item.recorded is not None:
            cells.setdefault(item.recorded.period, set()).update(item.recorded.cells)
    return [Recorded(period, frozenset(found)) for period, found in sorted(cells.items())]
