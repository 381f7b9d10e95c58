"""The row checks: every bad cell reported where the spreadsheet shows it; a file with a bad header stopped."""

from __future__ import annotations

from spreadsheet_files import PROFILE, csv_file, problem

from spreadsheets.columns import ENTERPRISE_COLUMNS
from spreadsheets.reading import Problem
from spreadsheets.rows import read_rows


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


def test_not_applicable_where_a_question_does_not_allow_it_is_reported(quick):
    data = csv_file([*ENTERPRISE_COLUMNS, "en_platform", "ds_security_measures"],
                    [{**PROFILE, "en_platform": "n/a", "ds_security_measures": "backup;;access_rights"}])
    result = read_rows(data, "a.csv", quick)
    assert result.problems == [
        Problem(2, "en_platform", "this question cannot be answered 'not applicable'", "F"),
    ]


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
