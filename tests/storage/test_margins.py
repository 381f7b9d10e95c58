"""Population margins: the CSV checks (every bad cell named by line and column, nothing imported if any is bad),
the demo file, the one-way margins raking uses, `flask reference import-margins` and the administrator's upload."""

from __future__ import annotations

import io

import pytest
from sqlmodel import Session, select

from assessment.classifications import load_regions
from assessment.margins import (
    DEMO_MARGINS_PATH,
    DEMO_MARGINS_SOURCE,
    covers,
    one_way_margins,
    parse_margins_csv,
    respondent_categories,
)
from assessment.reference_csv import ReferenceFileError, read_csv_text
from factories import client_as, csrf_token, make_user
from storage.margins import import_margins, margin_imports
from storage.tables import PopulationMargin

HEADER = "region_code,industry,size_class,count\n"
GOOD = HEADER + "370100,discrete,small,120\n370100,process,small,80\n370200,discrete,medium,30\n"


def parse(text: str):
    return parse_margins_csv(text, file_name="margins.csv")


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ("999999,discrete,small,5\n", "line 2: region_code: unknown region code '999999'"),
        ("100000,discrete,small,5\n", "line 2: region_code: give the counts of provinces or cities"),
        ("370100,99,small,5\n", "line 2: industry: unknown industry '99'"),
        ("370100,assembly,small,5\n", "line 2: industry: unknown industry 'assembly'"),
        ("370100,discrete,tiny,5\n", "line 2: size_class: Input should be 'micro', 'small', 'medium' or 'large'"),
        ("370100,discrete,small,-3\n", "line 2: count: '-3' is not a count"),
        ("370100,discrete,small,1.5\n", "line 2: count: '1.5' is not a count"),
        ("370100,discrete,small,\n", "line 2: count: is empty"),
        ("370100,discrete,small,5\n370100,discrete,small,6\n",
         "line 3: region_code, industry, size_class: 370100, discrete, small is already given on line 2"),
        ("370100,discrete,small,5\n370100,26,small,6\n",
         "line 3: industry: use GB/T 4754 divisions or discrete/process throughout, not both (line 2 uses the other)"),
        ("370000,discrete,small,5\n370100,discrete,small,6\n",
         "line 3: region_code: 370100 lies in 370000, which the file also counts"),
    ],
)
def test_every_bad_cell_is_named_by_line_and_column(rows, problem):
    with pytest.raises(ReferenceFileError) as raised:
        parse(HEADER + rows)
    assert f"margins.csv: {problem}" in str(raised.value)


def test_a_wrong_header_and_an_empty_file_are_refused():
    with pytest.raises(ReferenceFileError, match="the header must name the columns region_code,industry,size_class"):
        parse("region,industry,size,count\n370100,discrete,small,5\n")
    with pytest.raises(ReferenceFileError, match="holds no rows of counts"):
        parse(HEADER)


def test_every_problem_of_a_file_is_listed_at_once():
    with pytest.raises(ReferenceFileError) as raised:
        parse(HEADER + "999999,discrete,small,5\n370100,discrete,tiny,x\n")
    lines = str(raised.value).splitlines()
    assert lines == ["margins.csv: line 2: region_code: unknown region code '999999'",
                     "margins.csv: line 3: size_class: Input should be 'micro', 'small', 'medium' or 'large', "
                     "got 'tiny'",
                     "margins.csv: line 3: count: 'x' is not a count (a whole number, 0 or more)"]


def test_the_demo_margins_cover_shandong_and_say_they_are_synthetic():
    rows = parse(read_csv_text(DEMO_MARGINS_PATH))
    assert {row.region_code for row in rows} == {"370000"}
    assert {(row.industry, row.size_class) for row in rows} == {
        (kind, size) for kind in ("discrete", "process") for size in ("micro", "small", "medium", "large")}
    assert "Synthetic" in DEMO_MARGINS_SOURCE and "not official statistics" in DEMO_MARGINS_SOURCE
    regions = load_regions()
    assert covers(regions, "370000", ["370000"]) and not covers(regions, "370100", ["370000"])
    assert not covers(regions, "100000", ["370000"])  # the country needs every province's counts


def test_one_way_margins_sum_the_counts_within_a_region():
    # Shandong: region 370100 120 + 80 = 200, 370200 30; discrete 120 + 30 = 150, process 80; small 200, medium 30.
    regions = load_regions()
    margins = one_way_margins(parse(GOOD), regions, "370000", source="census", year=2024)
    assert margins.counts == {"region": {"370100": 200, "370200": 30}, "industry": {"discrete": 150, "process": 80},
                              "size": {"small": 200, "medium": 30}}
    assert not margins.by_division
    # Jinan alone: 120 + 80 = 200 in every margin.
    assert one_way_margins(parse(GOOD), regions, "370100", source="census", year=2024).counts["size"] == {
        "small": 200}
    # A respondent in Jinan is counted there; one that named only the province is in no category of these counts.
    assert respondent_categories(margins, regions, province="370000", city="370100", division="26",
                                 industry_type="process", size="small") == {
        "region": "370100", "industry": "process", "size": "small"}
    assert respondent_categories(margins, regions, province="370000", city=None, division="26",
                                 industry_type="process", size="small")["region"] == "370000"


def test_importing_a_source_and_year_again_replaces_it(session):
    import_margins(session=session, rows=parse(GOOD), source="census", year=2024)
    import_margins(session=session, rows=parse(GOOD)[:1], source="census", year=2024)
    import_margins(session=session, rows=parse(GOOD), source="census", year=2023)
    imports = margin_imports(session=session)
    assert [(each.source, each.year, len(each.rows)) for each in imports] == [("census", 2024, 1),
                                                                              ("census", 2023, 3)]


def test_import_margins_command(reference_runner, app, tmp_path):
    path = tmp_path / "margins.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = reference_runner.invoke(args=["reference", "import-margins", str(path), "--source", "Census 2024",
                                           "--year", "2024"])
    assert (result.exit_code, result.output) == (0, f"Imported 3 population counts from {path}.\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "370100,discrete,small,5\n370100,discrete,huge,5\n", encoding="utf-8")
    result = reference_runner.invoke(args=["reference", "import-margins", str(bad), "--source", "x", "--year",
                                           "2025"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{bad}: line 3: size_class: Input should be")
    with Session(app.extensions["db_engine"]) as session:
        assert {(m.source, m.year) for m in session.exec(select(PopulationMargin))} == {("Census 2024", 2024)}
    missing = reference_runner.invoke(args=["reference", "import-margins", str(path), "--year", "2024"])
    assert missing.exit_code == 2 and "--source" in missing.output


def upload(client, text: str, **fields):
    page = client.get("/admin/reference").text
    return client.post("/admin/reference", data={"csrf_token": csrf_token(page), "kind": "margins",
                                                 "file": (io.BytesIO(text.encode()), "margins.csv"), **fields},
                       content_type="multipart/form-data")  # fmt: skip


def test_an_administrator_uploads_margins_refused_whole_when_bad(app):
    admin = client_as(app, make_user(app, "admin"))
    page = admin.get("/admin/reference").text
    assert 'id="margins-form"' in page and "No population margins." in page
    refused = upload(admin, GOOD + "370100,discrete,small,oops\n", source="Census of Shandong", year="2024")
    assert refused.status_code == 400
    assert "margins.csv: line 5: count: &#39;oops&#39; is not a count" in refused.text
    assert 'value="Census of Shandong"' in refused.text and 'value="2024"' in refused.text  # nothing entered lost
    no_year = upload(admin, GOOD, source="Census of Shandong", year="24")
    assert no_year.status_code == 400 and "Year: “24” is not a year" in no_year.text
    no_source = upload(admin, GOOD, source=" ", year="2024")
    assert no_source.status_code == 400 and "Source: give the census or register" in no_source.text
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(PopulationMargin)).all() == []
    done = upload(admin, GOOD, source="Census of Shandong", year="2024")
    assert done.status_code == 302
    page = admin.get("/admin/reference").text
    assert "3 rows imported from margins.csv." in page
    assert "Population margins 2024: 3 counts, 230 enterprises (Census of Shandong)." in page
