"""The import template and its guide: every column documented, a filled template read back without problems."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from spreadsheet_files import LETTERS, PROFILE, cell_text, csv_file

from assessment.answers import parse_answers
from spreadsheets.rows import read_rows
from spreadsheets.template import write_template, write_template_guide


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
