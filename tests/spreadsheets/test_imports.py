"""Importing assessments collected offline: the template and its guide, hand-built CSV and XLSX files with broken
rows (every bad cell reported where the spreadsheet shows it, the good rows kept), and the import itself through
the survey's store functions, with the same scores as scoring the answers directly."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from assessment.answers import parse_answers
from assessment.scoring import score
from questionnaires.loader import DIRECTORY, load_questionnaire
from spreadsheets.imports import (
    ENTERPRISE_COLUMNS,
    ImportResult,
    Problem,
    changed_statistics,
    import_rows,
    read_rows,
    template_columns,
    write_template,
    write_template_guide,
)
from storage.assessments import load_answers
from storage.tables import Assessment, BenchmarkEntry, Enterprise

PROFILE = {"enterprise_name": "Qingdao Precision Parts", "region_code": "370200", "industry_code": "34",
           "employees": "120", "revenue_million_yuan": "50"}
# The quick check's columns and the letters a spreadsheet shows them under.
LETTERS = dict(zip(
    [*ENTERPRISE_COLUMNS, "sp_strategy", "sp_talent", "sp_obstacle", "ds_data", "ds_security_measures",
     "ds_external_sharing", "en_automation", "en_connected_share", "en_platform", "op_systems", "op_platform_apps",
     "op_supply_chain", "ps_lifecycle", "ps_design_tools", "ps_connected_products", "remarks"],
    "ABCDEFGHIJKLMNOPQRSTU", strict=True,
))


@pytest.fixture(scope="module")
def quick():
    return load_questionnaire(DIRECTORY / "quick_check.yaml")


def cell_text(answer) -> str:
    """An answer of the JSON format as a consultant writes it into a cell."""
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    if isinstance(answer, list):
        return ";".join(answer)
    return str(answer)


def csv_file(header: list[str], rows: list[dict], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([row.get(column, "") for column in header] for row in rows)
    return buffer.getvalue().encode(encoding)


def problem(row: int, column: str, reason: str) -> Problem:
    return Problem(row, column, reason, LETTERS.get(column, ""))


# ------------------------------------------------------------------------------------------------------------------
# The template


def test_the_template_columns_are_the_enterprise_then_every_question_in_page_order(quick):
    columns = template_columns(quick)
    assert [column.id for column in columns] == list(LETTERS)[:-1]
    assert [column.id for column in columns if column.required] == list(ENTERPRISE_COLUMNS)
    assert columns[6].question.id == "sp_talent" and columns[6].page.en == "Strategy, organisation and talent"


def test_the_csv_template_filled_with_the_example_answers_reads_back_without_problems(quick, example_answers):
    template = write_template(quick, "csv", "en")
    assert template.startswith(b"\xef\xbb\xbf")  # so that Excel reads Chinese names right
    header = next(csv.reader(io.StringIO(template.decode("utf-8-sig"))))
    assert header == list(LETTERS)[:-1]
    filled = template + csv_file(header, [{**PROFILE, **{k: cell_text(v) for k, v in example_answers.items()}}],
                                 encoding="utf-8").split(b"\r\n", 1)[1]
    result = read_rows(filled, "filled.csv", quick)
    assert result.problems == [] and not result.stopped and result.format == "csv"
    [row] = result.rows
    assert row.answers == parse_answers(quick, example_answers)[0]
    assert row.complete and row.row == 2
    assert (row.profile.name, row.profile.region_code, row.profile.industry_code, row.profile.industry_type,
            row.profile.employees, row.profile.revenue_million_yuan, row.profile.size_class) == (
        "Qingdao Precision Parts", "370200", "34", "discrete", 120, 50.0, "small")


def test_the_xlsx_template_documents_every_column_and_reads_back_filled(quick, example_answers):
    workbook = load_workbook(io.BytesIO(write_template(quick, "xlsx", "zh")))
    assert workbook.sheetnames == ["assessments", "columns", "regions", "industries"]
    sheet = workbook["assessments"]
    assert [cell.value for cell in sheet[1]] == list(LETTERS)[:-1]
    assert sheet["G1"].comment.text.startswith(quick.questions["sp_talent"].text.zh)
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"}
    assert lists["G2:G5001"] == '"none,vendor,part_time,dedicated,team"'
    assert lists["K2:K5001"] == '"uncontrolled,provider_terms,written_rules,agreements,audited,na"'
    assert lists["F2:F5001"] == '"0,1,2,3,4,5"' and lists["N2:N5001"] == '"yes,no"'
    documented = {row[0]: row for row in workbook["columns"].iter_rows(min_row=2, values_only=True) if row[0]}
    column, letter, page, question, kind, values, notes = documented["op_platform_apps"]
    assert (letter, page, kind) == ("P", "运营：软件、生产与供应链", "多选题")
    assert question == quick.questions["op_platform_apps"].text.zh
    assert "equipment_monitoring = 设备监控与设备综合效率（OEE）看板" in values.splitlines()
    assert notes == "仅当en_platform为是时作答，否则留空。"
    assert "na = 不适用" in documented["ds_external_sharing"][5]
    assert documented["en_connected_share"][5] == "0至100之间的数值\n单位: %"
    assert ("370200", "青岛市", "山东省") in set(workbook["regions"].iter_rows(min_row=2, values_only=True))
    assert ("34", "通用设备制造业", "离散型") in set(workbook["industries"].iter_rows(min_row=2, values_only=True))

    for column, value in {**PROFILE, **example_answers}.items():
        cell = sheet.cell(2, list(LETTERS).index(column) + 1)
        cell.value = ";".join(value) if isinstance(value, list) else value  # native numbers and booleans
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = read_rows(buffer.getvalue(), "filled.xlsx", quick)
    assert result.problems == [] and result.format == "xlsx"
    assert [row.answers for row in result.rows] == [parse_answers(quick, example_answers)[0]]


def test_the_guide_documents_every_column_in_the_chosen_language(quick):
    guide = write_template_guide(quick, "en")
    assert guide.startswith("# Import template: Quick check: intelligent-manufacturing readiness (quick_check 1.0)")
    assert "### `ds_external_sharing` (K)" in guide
    assert "- `written_rules` = Written rules say which data may be shared" in guide
    assert "A number from 0 to 100\n- unit: %" in guide
    assert "Asked only when en_platform is yes; leave empty otherwise." in guide
    assert "| 370200 | Qingdao | Shandong |" in guide
    assert "| 34 | Manufacture of general-purpose machinery | Discrete |" in guide
    chinese = write_template_guide(quick, "zh")
    assert quick.questions["sp_talent"].text.zh in chinese
    assert "- `0` = " + quick.questions["sp_strategy"].levels[0].zh in chinese


# ------------------------------------------------------------------------------------------------------------------
# Broken files


@pytest.fixture
def broken_csv(example_answers) -> bytes:
    """A complete good row, one bad cell per row after it, an incomplete good row, a row with two bad cells."""
    complete = {**PROFILE, **{column: cell_text(answer) for column, answer in example_answers.items()}}
    rows = [
        complete,  # row 2
        {**complete, "sp_talent": "freelance"},  # 3
        {**complete, "ds_data": "7"},  # 4
        {**complete, "en_connected_share": "about 30"},  # 5
        {**complete, "region_code": "999999"},  # 6
        {**complete, "enterprise_name": " "},  # 7
        {**PROFILE, "enterprise_name": "Weifang Castings", "region_code": "370700", "industry_code": "C33",
         "employees": "1,250", "revenue_million_yuan": "420.5", "sp_strategy": "1", "en_platform": "no",
         "ds_security_measures": "backup, access_rights", "remarks": "visited 3 May"},  # 8: incomplete, good
        {**complete, "en_platform": "no"},  # 9: a question that "no" hides is answered
        {},  # 10: empty, skipped
        {**complete, "employees": "many", "ps_connected_products": "maybe"},  # 11
    ]
    return csv_file(list(LETTERS), rows)


def test_every_bad_cell_is_reported_where_the_spreadsheet_shows_it(quick, broken_csv):
    result = read_rows(broken_csv, "visits.csv", quick)
    assert not result.stopped
    assert result.problems == [
        problem(1, "remarks", "unknown column, its values are not imported"),
        problem(3, "sp_talent", "expected one of none, vendor, part_time, dedicated, team, got 'freelance'"),
        problem(4, "ds_data", "level 7 is out of range 0-5"),
        problem(5, "en_connected_share", "expected a number, got 'about 30'"),
        problem(6, "region_code", "unknown region code '999999'; expected the GB/T 2260 code of a province or city"),
        problem(7, "enterprise_name", "is empty; every row needs the enterprise's name"),
        problem(9, "op_platform_apps", "answered, but this question is asked only when en_platform is yes and "
                                       "en_platform is no; clear one of the two cells"),
        problem(11, "employees", "expected a whole number, got 'many'"),
        problem(11, "ps_connected_products", "expected true or false, got 'maybe'"),
    ]
    assert str(result.problems[2]) == "row 4, column I (ds_data): level 7 is out of range 0-5"
    assert result.rejected_rows == [3, 4, 5, 6, 7, 9, 11]
    assert [row.row for row in result.rows] == [2, 8]
    draft = result.rows[1]
    assert draft.answers == {"sp_strategy": 1, "en_platform": False,
                             "ds_security_measures": ("backup", "access_rights")}
    assert (draft.profile.industry_code, draft.profile.employees, draft.profile.size_class) == ("33", 1250, "large")
    assert not draft.complete and draft.missing[:2] == ("sp_talent", "ds_data")
    assert "op_platform_apps" not in draft.missing  # hidden by en_platform = no


def test_good_rows_are_imported_drafts_stay_drafts_and_scores_match_the_scoring(session, quick, broken_csv,
                                                                                  example_answers):
    result = read_rows(broken_csv, "visits.csv", quick)
    when = datetime(2025, 11, 20, 9, 30, tzinfo=UTC)
    created = import_rows(session, quick, result, submit=True, submitted_at=when)
    assert [(item.row, item.status) for item in created] == [(2, "submitted"), (8, "draft")]
    assert len({item.token for item in created}) == 2

    submitted = session.get(Assessment, created[0].assessment_id)
    enterprise = session.get(Enterprise, submitted.enterprise_id)
    answers = parse_answers(quick, example_answers)[0]
    expected = score(quick, answers, profile="discrete")
    assert load_answers(session=session, assessment=submitted, questionnaire=quick) == answers
    assert submitted.token == created[0].token and submitted.submitted_at.year == 2025
    assert (submitted.overall_score, submitted.overall_level) == (expected.overall(quick).score,
                                                                  expected.overall(quick).level)
    assert submitted.result == expected.to_dict(quick)
    assert (enterprise.name, enterprise.region_code, enterprise.size_class) == ("Qingdao Precision Parts", "370200",
                                                                                "small")
    entry = session.exec(select(BenchmarkEntry)).one()  # recorded as the survey's submit records it
    assert (entry.assessment_id, entry.period, entry.city_code) == (submitted.id, 2025, "370200")
    [recorded] = changed_statistics(created)
    assert recorded.period == 2025 and ("370200", "34", "small") in recorded.cells

    draft = session.get(Assessment, created[1].assessment_id)
    assert draft.status == "draft" and draft.overall_score is None
    assert load_answers(session=session, assessment=draft, questionnaire=quick) == result.rows[1].answers
    assert session.get(Enterprise, draft.enterprise_id).name == "Weifang Castings"


def test_without_submit_every_row_is_a_draft(session, quick, broken_csv):
    created = import_rows(session, quick, read_rows(broken_csv, "visits.csv", quick), submit=False)
    assert [item.status for item in created] == ["draft", "draft"]
    assert session.exec(select(BenchmarkEntry)).all() == [] and changed_statistics(created) == []


def test_an_xlsx_file_is_read_from_its_assessments_sheet_with_native_cell_values(quick, example_answers):
    workbook = Workbook()
    workbook.active.title = "notes"
    workbook.active["A1"] = "collected in May"
    sheet = workbook.create_sheet("assessments")
    header = [*ENTERPRISE_COLUMNS, "sp_strategy", "ds_data", "en_connected_share", "en_platform", "op_platform_apps",
              "ds_external_sharing", "remark"]
    sheet.append(header)
    sheet.append(["Yantai Valves", 370600, 34, 80, 12.5, 2, 3, 0.25, True, "energy；quality_trace", "NA", None])
    sheet.append(["Bad Level", 370600, 34, 80, 12.5, 7, 3, 40, False, None, None, None])
    sheet.append(["Bad Share", 370600, 34, 80, 12.5, 2, 3, "half", "yes", None, "never", None])
    sheet.append(["Bad Region", 999999, 99, 80.5, -1, 2, 3, 40, 0, None, None, None])
    sheet.append([None, 370600, 34, 80, 12.5, 2, None, None, None, None, None, "x"])
    sheet["H2"].number_format = "0%"  # 0.25 shown as 25%
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = read_rows(buffer.getvalue(), "May.xlsx", quick)
    assert result.format == "xlsx"
    assert result.problems == [
        Problem(1, "remark", "unknown column, its values are not imported", "L"),
        Problem(3, "sp_strategy", "level 7 is out of range 0-5", "F"),
        Problem(4, "en_connected_share", "expected a number, got 'half'", "H"),
        Problem(4, "ds_external_sharing", "expected one of uncontrolled, provider_terms, written_rules, agreements, "
                                          "audited, got 'never'", "K"),
        Problem(5, "region_code", "unknown region code '999999'; expected the GB/T 2260 code of a province or city",
                "B"),
        Problem(5, "industry_code", "unknown industry code '99'; expected a GB/T 4754 manufacturing division from 13 "
                                    "to 43", "C"),
        Problem(5, "employees", "expected a whole number, got '80.5'", "D"),
        Problem(5, "revenue_million_yuan", "-1 is outside the allowed range 0 to 1e+07", "E"),
        Problem(6, "enterprise_name", "is empty; every row needs the enterprise's name", "A"),
    ]
    [row] = result.rows
    assert row.profile.region_code == "370600" and row.profile.industry_code == "34"
    assert row.answers == {"sp_strategy": 2, "ds_data": 3, "en_connected_share": 25.0, "en_platform": True,
                           "op_platform_apps": ("energy", "quality_trace"), "ds_external_sharing": "na"}


def test_a_gb18030_csv_from_chinese_excel_is_read_with_its_chinese_names(quick):
    header = [*ENTERPRISE_COLUMNS, "sp_strategy", "sp_obstacle", "en_platform", "op_platform_apps",
              "ds_external_sharing", "ps_connected_products", "ds_security_measures"]
    rows = [
        {**PROFILE, "enterprise_name": "青岛精密零件有限公司", "sp_strategy": "2",
         "sp_obstacle": "缺乏既懂IT又懂生产的人才", "en_platform": "是", "op_platform_apps": "energy、collaboration",
         "ds_external_sharing": "不适用",
         "ps_connected_products": "否", "ds_security_measures": "无"},
        {**PROFILE, "enterprise_name": "潍坊铸造厂", "sp_strategy": "二级"},
    ]
    data = csv_file(header, rows, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = read_rows(data, "走访.csv", quick)
    assert result.problems == [Problem(3, "sp_strategy", "expected a level from 0 to 5, got '二级'", "F")]
    [row] = result.rows
    assert row.profile.name == "青岛精密零件有限公司"
    assert row.answers == {"sp_strategy": 2, "sp_obstacle": "缺乏既懂IT又懂生产的人才", "en_platform": True,
                           "op_platform_apps": ("energy", "collaboration"), "ds_external_sharing": "na",
                           "ps_connected_products": False, "ds_security_measures": ()}


@pytest.mark.parametrize(("cell", "answer"), [
    ("yes", True), ("No", False), ("TRUE", True), ("false", False), ("1", True), ("0", False), ("是", True),
    ("否", False), ("na", "na"),
])
def test_yes_no_cells(quick, cell, answer):
    data = csv_file([*ENTERPRISE_COLUMNS, "ps_connected_products"], [{**PROFILE, "ps_connected_products": cell}])
    assert read_rows(data, "a.csv", quick).rows[0].answers == {"ps_connected_products": answer}


def test_not_applicable_where_a_question_does_not_allow_it_is_reported(quick):
    data = csv_file([*ENTERPRISE_COLUMNS, "en_platform", "ds_security_measures"],
                    [{**PROFILE, "en_platform": "n/a", "ds_security_measures": "backup;;access_rights"}])
    result = read_rows(data, "a.csv", quick)
    assert result.problems == [
        Problem(2, "en_platform", "this question cannot be answered 'not applicable'", "F"),
    ]


def test_a_semicolon_separated_csv_with_a_percent_sign(quick):
    data = "\n".join([";".join([*ENTERPRISE_COLUMNS, "en_connected_share", "ds_security_measures"]),
                      "Jinan Tools;370100;34;45;8,5;35 %;backup,assessed"]).encode()
    result = read_rows(data, "a.csv", quick)
    assert result.problems == [
        Problem(2, "revenue_million_yuan", "expected a number, got '8,5'", "E"),
    ]
    data = data.replace(b"8,5", b"8.5")
    [row] = read_rows(data, "a.csv", quick).rows
    assert row.answers == {"en_connected_share": 35.0, "ds_security_measures": ("backup", "assessed")}


def test_a_missing_enterprise_column_stops_the_file(quick):
    data = csv_file(["enterprise_name", "industry_code", "employees", "sp_stratgy"], [{"enterprise_name": "A"}])
    result = read_rows(data, "a.csv", quick)
    assert result.stopped and result.rows == []
    assert result.problems == [
        Problem(1, "region_code", "the column is missing; every file needs it, so nothing was imported"),
        Problem(1, "revenue_million_yuan", "the column is missing; every file needs it, so nothing was imported"),
    ]


def test_a_repeated_column_stops_the_file(quick):
    data = csv_file([*ENTERPRISE_COLUMNS, "sp_strategy", "SP_Strategy"], [PROFILE])
    result = read_rows(data, "a.csv", quick)
    assert result.stopped
    assert result.problems == [Problem(1, "sp_strategy", "the column appears twice, in F and G; keep one", "G")]


def test_a_misspelt_column_is_reported_once_with_the_likely_id(quick):
    data = csv_file([*ENTERPRISE_COLUMNS, "sp_stratgy"], [{**PROFILE, "sp_stratgy": "2"}] * 3)
    result = read_rows(data, "a.csv", quick)
    assert result.problems == [
        Problem(1, "sp_stratgy", "unknown column, its values are not imported; did you mean sp_strategy?", "F"),
    ]
    assert [row.answers for row in result.rows] == [{}, {}, {}]


def test_values_without_a_column_id_or_beyond_the_header(quick):
    header = [*ENTERPRISE_COLUMNS, "", "sp_strategy"]
    text = "\r\n".join([",".join(header), "A,370100,34,45,8,,2", "B,370100,34,45,8,x,2", "C,Jinan,370100,34,45,8,,2"])
    result = read_rows(text.encode(), "a.csv", quick)
    assert result.problems == [
        Problem(1, "", "this column has values but no column id in row 1; they are not imported", "F"),
        Problem(4, "region_code", "unknown region code 'Jinan'; expected the GB/T 2260 code of a province or city",
                "B"),
        Problem(4, "industry_code", "unknown industry code '370100'; expected a GB/T 4754 manufacturing division from "
                                    "13 to 43", "C"),
        Problem(4, "", "a value to the right of the last column; the row's cells may have shifted", "H"),
    ]
    assert [row.row for row in result.rows] == [2, 3]


@pytest.mark.parametrize(("data", "name", "reason"), [
    (b"", "a.csv", "the file is empty; row 1 must hold the column ids"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "a.xls",
     "this is an old Excel (.xls) file; save it as .xlsx or .csv and import that"),
    (b"\x81\x30" * 3 + b"\xff\xff", "a.csv", "the file is neither an Excel workbook nor CSV text in UTF-8 or GB18030"),
    (b"PK\x03\x04broken", "a.xlsx", "not a readable Excel workbook: File is not a zip file"),
])
def test_files_that_cannot_be_read(quick, data, name, reason):
    result = read_rows(data, name, quick)
    assert result == ImportResult(result.format, problems=[Problem(0 if data else 1, "", reason)], stopped=True)
