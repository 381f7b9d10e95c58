"""A consultant's workspace: clients made by starting an assessment or by importing a spreadsheet (bad cells listed by
row, column and reason, good rows kept; hostile files refused), and branding printed on reports. Invitations:
test_invitations.py."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import time
import zipfile

from openpyxl import Workbook
from PIL import Image
from sqlmodel import Session, select

from assessment.scoring import score
from factories import client_as, csrf_token, make_user, pdf_text
from spreadsheets.reading import MAX_ROWS
from storage.tables import Assessment, Enterprise

PROFILE = {"enterprise_name": "Harbour Valves", "region_code": "370200", "industry_code": "34", "employees": "120",
           "revenue_million_yuan": "45"}  # fmt: skip


def cell(answer) -> str:
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    if isinstance(answer, list):
        return ";".join(answer)
    return str(answer)


def import_csv(example_answers: dict, *rows: dict) -> bytes:
    columns = [*PROFILE, *example_answers]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def test_an_assessment_started_by_a_consultant_makes_a_client(app, client, survey):
    consultant = make_user(app, "consultant")
    signed = client_as(app, consultant)
    survey.client = signed
    token = survey.start()
    with Session(app.extensions["db_engine"]) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
        assert session.get(Enterprise, assessment.enterprise_id).consultant_id == consultant.id
    assert token in signed.get("/workspace/").text


def test_import_lists_every_bad_cell_and_keeps_the_good_rows(app, example_answers):
    consultant = make_user(app, "consultant")
    client = client_as(app, consultant)
    good = {**PROFILE, **{q: cell(a) for q, a in example_answers.items()}}
    bad = {**good, "enterprise_name": "Broken Forge", "sp_strategy": "7", "op_supply_chain": "pigeons"}
    data = import_csv(example_answers, good, bad)
    page = client.get("/workspace/clients/import").text
    response = client.post("/workspace/clients/import", data={
        "csrf_token": csrf_token(page), "questionnaire": "quick_check", "submit_complete": "y",
        "upload": (io.BytesIO(data), "clients.csv")}, content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 200
    html = response.text
    assert "1 rows imported (1 submitted), 1 rows not imported." in html
    problems = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>(\w*) (\w+)</td><td>([^<]+)</td></tr>", html)
    assert {(row, column) for row, _letter, column, _reason in problems} == {("3", "sp_strategy"),
                                                                          ("3", "op_supply_chain")}  # fmt: skip
    with Session(app.extensions["db_engine"]) as session:
        enterprise = session.exec(select(Enterprise).where(Enterprise.name == "Harbour Valves")).one()
        assert enterprise.consultant_id == consultant.id
        assert session.exec(select(Enterprise).where(Enterprise.name == "Broken Forge")).first() is None
        assessment = session.exec(select(Assessment).where(Assessment.enterprise_id == enterprise.id)).one()
        expected = score(app.extensions["questionnaires"].get("quick_check"),
                         {q: a for q, a in example_answers.items()}, profile="discrete")  # fmt: skip
        assert assessment.status == "submitted"
        assert round(assessment.overall_score, 6) == round(expected.overall(
            app.extensions["questionnaires"].get("quick_check")).score, 6)  # fmt: skip
    assert "Harbour Valves" in client.get("/workspace/").text


def post_import(client, data: bytes, filename: str):
    page = client.get("/workspace/clients/import").text
    return client.post("/workspace/clients/import", data={
        "csrf_token": csrf_token(page), "questionnaire": "quick_check", "submit_complete": "y",
        "upload": (io.BytesIO(data), filename)}, content_type="multipart/form-data")  # fmt: skip


def xlsx_with_sheet(sheet: str) -> bytes:
    """An openpyxl workbook whose first sheet's XML is `sheet`."""
    workbook = Workbook()
    made = io.BytesIO()
    workbook.save(made)
    out = io.BytesIO()
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, sheet if name == "xl/worksheets/sheet1.xml" else source.read(name))
    return out.getvalue()


def test_hostile_import_files_are_refused_quickly_with_what_is_wrong(app):
    client = client_as(app, make_user(app, "consultant"))
    cells = "".join(f'<c r="{letter}1" t="inlineStr"><is><t>{column}</t></is></c>'
                    for letter, column in zip("ABCDE", PROFILE, strict=True))  # fmt: skip
    rows = "".join(f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>x</t></is></c></row>'
                   for number in range(2, 5002))  # fmt: skip
    namespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    thousands = xlsx_with_sheet(f'<?xml version="1.0"?><worksheet xmlns="{namespace}"><dimension ref="A1:XFD5001"/>'
                                f'<sheetData><row r="1">{cells}</row>{rows}</sheetData></worksheet>')
    started = time.perf_counter()
    response = post_import(client, thousands, "visits.xlsx")
    assert time.perf_counter() - started < 5
    assert response.status_code == 400 and len(response.data) < 30_000
    assert f"the file holds more than {MAX_ROWS:,} enterprises" in response.text
    entity = xlsx_with_sheet('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
                             f'<worksheet xmlns="{namespace}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
                             "<t>&ext;</t></is></c></row></sheetData></worksheet>")  # fmt: skip
    response = post_import(client, entity, "visits.xlsx")
    assert response.status_code == 400
    assert "its part xl/worksheets/sheet1.xml declares a DTD (&lt;!DOCTYPE ...&gt;)" in response.text
    response = post_import(client, b"PK\x03\x04" + bytes(500), "visits.xlsx")
    assert response.status_code == 400 and "not a readable Excel workbook" in response.text
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(Enterprise)).first() is None


def test_an_import_page_lists_a_bounded_number_of_problems_and_says_how_many_more(app, example_answers):
    client = client_as(app, make_user(app, "consultant"))
    good = {**PROFILE, **{q: cell(a) for q, a in example_answers.items()}}
    bad = [{**good, "enterprise_name": f"Broken {number}", "sp_strategy": "7", "ds_data": "9"} for number in range(150)]
    response = post_import(client, import_csv(example_answers, good, *bad), "clients.csv")
    assert response.status_code == 200
    html = response.text
    assert "1 rows imported (1 submitted), 150 rows not imported." in html
    assert html.count('<tr><td class="num">') == 100
    assert "200 more problems are not listed here." in html
    assert re.search(r'id="rejected-rows">Rows not imported: 3, 4, 5, [\d, ]+, 152\.<', html)


def test_import_templates_download(app):
    client = client_as(app, make_user(app, "consultant"))
    xlsx = client.get("/workspace/clients/import/template.xlsx?q=quick_check")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    header = client.get("/workspace/clients/import/template.csv?q=quick_check").data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("enterprise_name,region_code,industry_code,employees,revenue_million_yuan,sp_strategy")


def test_saved_branding_is_printed_on_the_consultant_s_reports(app, survey, example_answers, tmp_path):
    consultant = make_user(app, "consultant")
    client = client_as(app, consultant)
    logo = io.BytesIO()
    Image.new("RGB", (40, 20), "#aa3300").save(logo, "PNG")
    page = client.get("/workspace/clients/branding").text
    bad = client.post("/workspace/clients/branding", data={"csrf_token": csrf_token(page), "brand_name": "Kite & Co",
                                                           "brand_colour": "orange"})  # fmt: skip
    assert bad.status_code == 400 and "Use the form #2f6f9f." in bad.text and 'value="Kite &amp; Co"' in bad.text
    client.post("/workspace/clients/branding", data={
        "csrf_token": csrf_token(page), "brand_name": "Kite & Co", "brand_colour": "#aa3300",
        "brand_logo": (io.BytesIO(logo.getvalue()), "logo.png")}, content_type="multipart/form-data")  # fmt: skip
    survey.client = client
    token = survey.start()
    survey.answer_all(token, example_answers)
    survey.submit(token)
    roadmap = client.get(f"/a/{token}/roadmap").text
    assert 'value="Kite &amp; Co"' in roadmap and 'value="#aa3300"' in roadmap
    form = {"csrf_token": csrf_token(roadmap), "language": "en", "brand_name": "Kite & Co", "brand_colour": "#aa3300"}
    pdf = client.post(f"/a/{token}/report.pdf", data=form)
    assert pdf.status_code == 200
    text = pdf_text(pdf.data)
    assert "Prepared by Kite & Co with imready" in " ".join(text.split())
    images = subprocess.run(["pdfimages", "-list", "-"], input=pdf.data, capture_output=True, check=True).stdout
    assert b" 40    20 " in images  # the saved logo, printed although none was uploaded


def test_a_consultant_s_comment_shows_on_the_results_and_prints_in_the_report(app, survey, example_answers):
    consultant = make_user(app, "consultant", name="Mei Advisory")
    client = client_as(app, consultant)
    survey.client = client
    token = survey.start(name="Weifang Pumps")
    survey.answer_all(token, example_answers)
    survey.submit(token)
    results = client.get(f"/a/{token}/results").text
    text = "Start with <b>barcodes</b> on the finished-goods store & connect the two CNC cells next."
    response = client.post(f"/workspace/comment/{token}", data={"csrf_token": csrf_token(results), "text": text})
    assert response.status_code == 302
    page = client.get(f"/a/{token}/results").text
    assert "Start with &lt;b&gt;barcodes&lt;/b&gt; on the finished-goods store &amp; connect" in page
    roadmap = client.get(f"/a/{token}/roadmap").text
    pdf = client.post(f"/a/{token}/report.pdf", data={"csrf_token": csrf_token(roadmap), "language": "en",
                                                      "brand_colour": "#2f6f9f"})  # fmt: skip
    printed = " ".join(pdf_text(pdf.data).split())
    assert f"Consultant comments Mei Advisory: {text}" in printed
    # someone else's client: not found; an enterprise user: not allowed
    for role, expected in (("consultant", 404), ("enterprise", 403)):
        someone = client_as(app, make_user(app, role, email=f"{role}-2@example.org"))
        own_token = csrf_token(someone.get("/workspace/").text)  # the sign-out form in the header carries one
        assert someone.post(f"/workspace/comment/{token}", data={"csrf_token": own_token, "text": "x"}).status_code \
            == expected
