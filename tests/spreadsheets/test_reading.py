"""Reading import files: XLSX with native values, CSV in GB18030 or with semicolons, files that cannot be read."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from spreadsheet_files import PROFILE, csv_file

from spreadsheets.columns import ENTERPRISE_COLUMNS
from spreadsheets.reading import Problem
from spreadsheets.rows import ImportResult, read_rows


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
