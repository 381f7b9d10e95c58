"""The import template: an empty CSV or XLSX file to fill in, and the guide to what each column takes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from assessment.classifications import INDUSTRY_TYPE_LABELS, load_industries, load_regions
from assessment.profile import NAME_MAX_LENGTH
from questionnaires.loader import Questionnaire
from questionnaires.schema import (
    NOT_APPLICABLE,
    LadderQuestion,
    MultipleQuestion,
    NumberQuestion,
    SingleQuestion,
    YesNoQuestion,
)
from spreadsheets.columns import Column, Format, template_columns
from spreadsheets.wording import describe_condition, word

TEMPLATE_ROWS = 5000  # how far down the template's data validation reaches


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
        return ColumnGuide(column.id, word("enterprise", lang), word(column.id, lang),
                           word("required", lang), word(values, lang, count=NAME_MAX_LENGTH), "")
    lines: list[str] = []
    if isinstance(question, LadderQuestion):
        lines.append(word("levels", lang))
        lines.extend(f"{level} = {text.get(lang)}" for level, text in enumerate(question.levels))
    elif isinstance(question, SingleQuestion):
        lines.append(word("one_of", lang))
        lines.extend(f"{option.id} = {option.label.get(lang)}" for option in question.options)
    elif isinstance(question, MultipleQuestion):
        example = ";".join(option.id for option in question.options[:2])
        lines.append(word("some_of", lang, example=example))
        lines.extend(f"{option.id} = {option.label.get(lang)}" for option in question.options)
    elif isinstance(question, NumberQuestion):
        key = "whole_range" if question.integer else "number_range"
        lines.append(word(key, lang, min=f"{question.min:g}", max=f"{question.max:g}"))
        lines.append(f"{word('unit', lang)}: {question.unit.get(lang)}")
    elif isinstance(question, YesNoQuestion):
        lines.append(word("yes_no", lang))
    else:
        lines.append(word("free_text", lang, count=question.max_length))
    if question.not_applicable:
        lines.append(word("na", lang))
    notes = word("asked_when", lang, condition=describe_condition(question.show_if, lang)) if question.show_if else ""
    page = column.page.get(lang) if column.page else ""
    return ColumnGuide(column.id, page, question.text.get(lang), word(question.type, lang), "\n".join(lines), notes)


def write_template(questionnaire: Questionnaire, fmt: Format, lang: str) -> bytes:
    """An empty import file: CSV (the header row only) or XLSX (the header row and sheets documenting it)."""
    columns = template_columns(questionnaire)
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow([column.id for column in columns])
        # With a byte-order mark, so that Excel reads Chinese; the CSV's documentation is `write_template_guide`.
        return buffer.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        return _template_xlsx(questionnaire, columns, lang)
    raise ValueError(f"unknown template format {fmt!r}; expected csv or xlsx")


def _template_xlsx(questionnaire: Questionnaire, columns: list[Column], lang: str) -> bytes:
    """Sheets "assessments" (the header, commented, with drop-down lists), "columns", "regions", "industries"."""
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
    headers = [word(key, lang) for key in ("column", "letter", "page", "question", "type", "values", "notes")]
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
    documentation.append([word("rules", lang)])
    documentation.freeze_panes = "B2"

    regions = workbook.create_sheet("regions")
    regions.append([word(key, lang) for key in ("code", "name", "province")])
    for code, name, province in _region_rows(lang):
        regions.append([code, name, province])
    industries = workbook.create_sheet("industries")
    industries.append([word(key, lang) for key in ("code", "name", "industry_type")])
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
    """(code, name, province) of every province, each followed by its cities."""
    tree = load_regions()
    rows = []
    for province in tree.provinces():
        rows.append((province.code, province.name(lang), province.name(lang)))
        rows.extend((city.code, city.name(lang), province.name(lang)) for city in tree.children(province.code))
    return rows


def write_template_guide(questionnaire: Questionnaire, lang: str) -> str:
    """The CSV template's guide as Markdown: every column's question, type and values, then the codes."""
    definition = questionnaire.definition
    out = [f"# {word('guide_title', lang)}: {definition.title.get(lang)} ({questionnaire.id} "
           f"{questionnaire.version})", "", word("rules", lang), ""]
    page = None
    for index, column in enumerate(template_columns(questionnaire), start=1):
        guide = column_guide(column, lang)
        if guide.page != page:
            page = guide.page
            out += [f"## {page}", ""]
        if column.question is None:
            key = {"region_code": "region_values_guide", "industry_code": "industry_values_guide"}.get(column.id)
            values = word(key, lang) if key else guide.values
            out += [f"- `{column.id}` ({get_column_letter(index)}, {guide.type}): {guide.question}. {values}", ""]
            continue
        out += [f"### `{column.id}` ({get_column_letter(index)})", "", guide.question, "",
                f"{word('type', lang)}: {guide.type}", ""]
        first, *rest = guide.values.splitlines()
        out.append(first)
        out += [f"- `{line.split(' = ', 1)[0]}` = {line.split(' = ', 1)[1]}" if " = " in line else f"- {line}"
                for line in rest]
        out.append("")
        if guide.notes:
            out += [guide.notes, ""]
    out += [f"## {word('industries', lang)}", "", f"| {word('code', lang)} | {word('name', lang)} | "
            f"{word('industry_type', lang)} |", "|---|---|---|"]
    for industry in sorted(load_industries().values(), key=lambda industry: industry.code):
        out.append(f"| {industry.code} | {industry.name(lang)} | {INDUSTRY_TYPE_LABELS[industry.type][lang]} |")
    out += ["", f"## {word('regions', lang)}", "",
            f"| {word('code', lang)} | {word('name', lang)} | {word('province', lang)} |", "|---|---|---|"]
    out += [f"| {code} | {name} | {province} |" for code, name, province in _region_rows(lang)]
    return "\n".join(out) + "\n"
