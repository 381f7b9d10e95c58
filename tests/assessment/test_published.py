"""Published benchmarks: the bundled figures, the CSV checks (shares summing to 1), and idempotent imports through
functions and `flask reference import-published`."""

import pytest
from sqlmodel import Session, select

from assessment.published import PUBLISHED_PATH, parse_published_csv
from assessment.reference_csv import ReferenceFileError, read_csv_text
from storage import reference_data
from storage.tables import PublishedBenchmark

HEADER = "source,year,framework,scope,region_code,industry_code,measure,level,value\n"
CMMM_2021 = "CESI index report (2021),2021,CMMM,China,100000,,level_share"


def bundled_rows():
    return parse_published_csv(read_csv_text(PUBLISHED_PATH), file_name=str(PUBLISHED_PATH))


def test_bundled_figures_are_as_published():
    # as published: CMMM 2021 69/15/7/9 %, 2022 63/21/12/4 %; IMPULS 2015 38.9/37.6/17.9/4.6/1.0/0.0 %
    shares = {}
    for row in bundled_rows():
        assert row.measure == "level_share"
        shares.setdefault((row.framework, row.year), []).append((row.level, row.value))
    assert shares == {
        ("CMMM", 2021): [("≤1", 0.69), ("2", 0.15), ("3", 0.07), ("4+", 0.09)],
        ("CMMM", 2022): [("≤1", 0.63), ("2", 0.21), ("3", 0.12), ("4+", 0.04)],
        ("IMPULS", 2015): [("0", 0.389), ("1", 0.376), ("2", 0.179), ("3", 0.046), ("4", 0.010), ("5", 0.0)],
    }


def test_bundled_figures_name_their_source():
    sources = {(row.framework, row.year): row.source for row in bundled_rows()}
    assert "Intelligent Manufacturing Development Index Report (2021)" in sources["CMMM", 2021]
    assert "智能制造发展指数报告（2022）" in sources["CMMM", 2022]
    assert "Industrie 4.0 Readiness" in sources["IMPULS", 2015] and "IMPULS" in sources["IMPULS", 2015]


def shares(*values, prefix=CMMM_2021):
    return "".join(f"{prefix},{level},{value}\n" for level, value in zip(("≤1", "2", "3", "4+"), values, strict=False))


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ("CESI,2021,CMMM,China,100000,,share,2,0.15\n", "line 2: measure: Input should be 'level_share' or 'mean', "
                                                       "got 'share'"),
        ("CESI,2021,CMMM,China,100000,,level_share,2,1.5\n", "line 2: value: a level share is between 0 and 1"),
        ("CESI,2021,CMMM,China,100000,,level_share,,1\n", "line 2: level: a level share needs the level"),
        ("CESI,2021,CMMM,China,100000,,level_share,2,15%\n", "line 2: value: '15%' is not a number"),
        ("CESI,21,CMMM,China,100000,,mean,,2.1\n", "line 2: year: '21' is not a year"),
        ("CESI,2021,CMMM,China,990000,,mean,,2.1\n", "line 2: region_code: unknown region code '990000'"),
        ("CESI,2021,CMMM,China,100000,99,mean,,2.1\n", "line 2: industry_code: unknown industry code '99'"),
        (",2021,CMMM,China,100000,,mean,,2.1\n", "line 2: source: is empty"),
        ("CESI,2021,,China,100000,,mean,,2.1\n", "line 2: framework: is empty"),
    ],
)
def test_published_csv_problem(rows, problem):
    with pytest.raises(ReferenceFileError) as raised:
        parse_published_csv(HEADER + rows, file_name="published.csv")
    assert str(raised.value).startswith(f"published.csv: {problem}")


@pytest.mark.parametrize(
    ("values", "valid"),
    [
        ((0.69, 0.15, 0.07, 0.09), True),  # 1.00
        ((0.69, 0.15, 0.07, 0.08), True),  # 0.99: within 1 ± 0.01 (rounded percentages)
        ((0.69, 0.15, 0.07, 0.10), True),  # 1.01
        ((0.69, 0.15, 0.07, 0.07), False),  # 0.98
        ((0.69, 0.15, 0.07), False),  # 0.91: a level left out
    ],
)
def test_level_shares_sum_to_one(values, valid):
    text = HEADER + shares(*values)
    if valid:
        assert len(parse_published_csv(text, file_name="published.csv")) == len(values)
    else:
        with pytest.raises(ReferenceFileError, match=r"published.csv: line 2: value: the level shares on lines 2, 3"):
            parse_published_csv(text, file_name="published.csv")


def test_published_csv_lists_every_problem():
    other = "CESI index report (2022),2022,CMMM,China,100000,,level_share"
    text = HEADER + shares(0.69, 0.15, 0.07, 0.05) + shares(0.63, 0.21, 0.12, 0.04, prefix=other) + (
        f"{other},2,0.21\n"  # line 10: level 2 again
        "CESI,2021,CMMM,China,100000,,mean,,abc\n"
    )
    with pytest.raises(ReferenceFileError) as raised:
        parse_published_csv(text, file_name="published.csv")
    assert str(raised.value).splitlines() == [
        "published.csv: line 2: value: the level shares on lines 2, 3, 4, 5 (CESI index report (2021), 2021, China) "
        "sum to 0.960, not 1 ± 0.01",
        "published.csv: line 10: level: level '2' of this publication is already on line 7",
        "published.csv: line 11: value: 'abc' is not a number",
    ]


def test_means_need_no_level_and_may_stand_alone():
    [row] = parse_published_csv(HEADER + "EDIH DMA,2024,EDIH,EU SMEs,,,mean,,41.5\n", file_name="published.csv")
    assert (row.measure, row.level, row.region_code, row.industry_code, row.value) == ("mean", None, None, None, 41.5)


# --- the database and the command line -----------------------------------------------------------------------


def stored(session):
    return [(b.framework, b.year, b.level, b.value) for b in reference_data.published_benchmarks(session=session)]


def test_import_published_is_idempotent(session):
    assert reference_data.import_published(session=session, rows=bundled_rows()) == 14
    first = stored(session)
    assert reference_data.import_published(session=session, rows=bundled_rows()) == 14
    assert stored(session) == first and len(first) == 14
    assert [b.level for b in reference_data.published_benchmarks(session=session, framework="IMPULS")] == [
        "0", "1", "2", "3", "4", "5"]
    assert [(b.year, b.level) for b in reference_data.published_benchmarks(session=session, framework="CMMM")][:5] == [
        (2021, "≤1"), (2021, "2"), (2021, "3"), (2021, "4+"), (2022, "≤1")]


def test_import_replaces_only_the_same_publication(session):
    reference_data.import_published(session=session, rows=bundled_rows())
    cmmm_2021 = [row for row in bundled_rows() if (row.framework, row.year) == ("CMMM", 2021)]
    revised = [row.model_copy(update={"value": value}) for row, value in zip(cmmm_2021, (0.70, 0.15, 0.07, 0.08),
                                                                              strict=True)]
    assert reference_data.import_published(session=session, rows=revised) == 4
    figures = stored(session)
    assert len(figures) == 14
    assert [value for framework, year, _, value in figures if (framework, year) == ("CMMM", 2021)] == [
        0.70, 0.15, 0.07, 0.08]
    assert ("IMPULS", 2015, "0", 0.389) in figures


def test_import_published_command(reference_runner, app):
    for _ in range(2):
        result = reference_runner.invoke(args=["reference", "import-published", str(PUBLISHED_PATH)])
        assert (result.exit_code, result.output) == (0, f"Imported 14 published benchmark figures from "
                                                        f"{PUBLISHED_PATH}.\n")
    with Session(app.extensions["db_engine"]) as session:
        assert len(session.exec(select(PublishedBenchmark)).all()) == 14


def test_import_published_command_lists_every_error(reference_runner, app, tmp_path):
    path = tmp_path / "published.csv"
    path.write_text(HEADER + shares(0.69, 0.15, 0.07) + "CESI,2021,CMMM,China,100000,,mean,,x\n", encoding="utf-8-sig")
    result = reference_runner.invoke(args=["reference", "import-published", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}: line 2: value: the level shares on lines 2, 3, 4 (CESI index report (2021), 2021, China) sum to "
        "0.910, not 1 ± 0.01",
        f"{path}: line 5: value: 'x' is not a number",
    ]
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(PublishedBenchmark)).all() == []


def test_import_published_command_missing_file(reference_runner, tmp_path):
    result = reference_runner.invoke(args=["reference", "import-published", str(tmp_path / "absent.csv")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'absent.csv'}: cannot read file" in result.stderr
