"""The weighted figures in the agencies' files, its report and the API (`weighted=y`): read back from the CSV, the
XLSX, the PDF (pdftotext) and the JSON, with the same figures as the page and the same withholding.

The population is the attack's (tests/web/test_weighted_attacks.py): Jinan, 4 discrete respondents at 2.0 and 1
process respondent at 4.0, weighted to 60 discrete and 40 process enterprises (15 and 40 each). Released with
k = 1, the figures are shown: mean 0.6 × 2 + 0.4 × 4 = 2.80, unweighted 2.40, n_eff 100² / (4 × 15² + 40²) = 4.0;
variance 5/4 × (4 × (15 × -0.8)² + (40 × 1.2)²) / 100² = 0.36, half-width 1.96 × 0.6: 1.62 to 3.98. Level 2:
60 % (Wilson at n_eff 4: 20.5 to 89.7), unweighted 80 %; level 4: 40 % (10.3 to 79.5), unweighted 20 %.
Released with k = 5, the process class of 1 withholds them everywhere."""

from __future__ import annotations

import csv
import io
import subprocess
import uuid

from openpyxl import load_workbook
from sqlmodel import Session
from test_weighted_attacks import JINAN, SHANDONG, released

from factories import K, ask_regional_report, client_as, make_user
from storage.tables import User
from storage.tokens import create_token

QUERY = {"q": "quick_check", "period": "2026", "region": JINAN, "weighted": "y"}
REASON = f"withheld: a weighting class holds fewer than {K} enterprises or is withheld itself"


def analyst(app):
    return client_as(app, make_user(app, "agency", email=f"agency-{uuid.uuid4().hex[:8]}@example.org",
                                    jurisdiction=SHANDONG))


def csv_row(app) -> dict[str, str]:
    """Jinan's row of the CSV export, by column header."""
    response = analyst(app).get("/agencies/export.csv", query_string=QUERY)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, jinan = rows[0], next(row for row in rows if JINAN in row)
    return dict(zip(header, jinan, strict=True))


def xlsx_row(app) -> dict[str, object]:
    """Jinan's row of the XLSX export's weighted sheet, by column header."""
    response = analyst(app).get("/agencies/export.xlsx", query_string=QUERY)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["Weighted to the population"]
    rows = list(sheet.iter_rows(values_only=True))
    return dict(zip(rows[0], next(row for row in rows if row[0] == JINAN), strict=True))


def pdf_text(app, tmp_path) -> str:
    """The regional report's text as pdftotext reads it, on one line (tables only: no browser for charts)."""
    app.config["CHROMIUM_PATH"] = "/nonexistent/chromium"
    client = analyst(app)
    job = ask_regional_report(client, QUERY)  # queued, printed at once in tests
    response = client.get(job.headers["Location"] + "/report.pdf")
    response.get_data(), response.close()  # read whole, then the file it was sent from closed
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return " ".join(text.split())


def api_weighted(app) -> dict:
    """The API's regional statistics for Jinan with the weighted figures."""
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        user = User(email=f"api-{uuid.uuid4().hex[:8]}@example.org", password_hash="!", role="agency",
                    jurisdiction=SHANDONG)
        session.add(user)
        session.commit()
        token = create_token(session=session, user=user, name="tests")
    response = app.test_client().get("/api/v1/regions/statistics", headers={"Authorization": f"Bearer {token}"},
                                     query_string={"questionnaire": "quick_check", "period": 2026,
                                                   "region": JINAN, "weighted": "true"})
    assert response.status_code == 200, response.json
    return response.json


def test_the_csv_carries_the_weighted_figures_beside_the_unweighted(app, quick):
    released(app, quick, k=1)
    row = csv_row(app)
    heading = "Weighted to the population: "
    assert row[heading + "Respondents"] == "5" and row[heading + "Effective sample size"] == "4.0"
    assert row[heading + "Mean overall score, weighted"] == "2.80"
    assert (row[heading + "Mean: 95 % interval, low"], row[heading + "Mean: 95 % interval, high"]) == ("1.62", "3.98")
    assert row[heading + "Mean overall score, unweighted"] == "2.40"
    share = next(key for key in row if key.startswith(heading + "Level 2 ") and key.endswith(": weighted %"))
    level2 = [row[key] for key in (share, heading + "Level 2: 95 % interval, low",
                                   heading + "Level 2: 95 % interval, high", heading + "Level 2: unweighted %")]
    assert level2 == ["60.0", "20.5", "89.7", "80.0"]
    assert row[heading + "Raking"].startswith("converged (iterations: 1)")


def test_the_xlsx_has_a_weighted_sheet_with_numbers(app, quick):
    released(app, quick, k=1)
    row = xlsx_row(app)
    assert row["Weighted to the population: Mean overall score, weighted"] == 2.8
    assert row["Weighted to the population: Effective sample size"] == 4.0
    assert row["Weighted to the population: Level 4: unweighted %"] == 20.0
    assert row["Weighted to the population: Level 4: 95 % interval, low"] == 10.3


def test_the_report_prints_the_weighted_table(app, quick, tmp_path):
    released(app, quick, k=1)
    text = pdf_text(app, tmp_path)
    assert "Weighted to the population (Census, 2024)" in text
    jinan = text.split("Weighted to the population (Census, 2024)")[1]
    assert "2.80 (1.62–3.98)" in jinan and "60.0 (20.5–89.7)" in jinan and "40.0 (10.3–79.5)" in jinan


def test_the_api_gives_the_weighted_figures(app, quick):
    released(app, quick, k=1)
    found = api_weighted(app)["weighted"]
    assert found["sources"] == ["Census, 2024"]
    row = found["rows"][0]
    assert (row["region_code"], row["status"], row["reason"], row["withheld"]) == (JINAN, "shown", None, [])
    cells = row["cells"]
    assert (cells["weighted_mean"], cells["weighted_mean_low"], cells["weighted_mean_high"]) == (2.8, 1.62, 3.98)
    assert (cells["unweighted_mean"], cells["weighted_n_eff"], cells["weighted_count"]) == (2.4, 4.0, 5)
    assert (cells["weighted_level_2"], cells["unweighted_level_2"]) == (60.0, 80.0)


def test_without_asking_there_are_no_weighted_figures(app, quick):
    released(app, quick, k=1)
    response = analyst(app).get("/agencies/export.csv", query_string={**QUERY, "weighted": ""})
    assert "Weighted to the population" not in response.data.decode("utf-8-sig")


def test_attacker_finds_no_weighted_figure_in_any_file(app, quick, tmp_path):
    # Released with the app's k = 5: Jinan's unweighted figures (5 respondents) stand in every file, but no weighted
    # one does; each says why. The attack needs the weighted mean and n_eff: neither is anywhere.
    released(app, quick, k=K)
    row = csv_row(app)
    weighted = {key: value for key, value in row.items() if key.startswith("Weighted to the population")}
    assert weighted.pop("Weighted to the population: Raking") == REASON
    assert set(weighted.values()) == {""}
    sheet = xlsx_row(app)
    assert sheet["Weighted to the population: Raking"] == REASON
    assert {value for key, value in sheet.items() if key.startswith("Weighted") and "Raking" not in key} == {None}
    text = pdf_text(app, tmp_path).split("Weighted to the population (Census, 2024)")[1]
    assert REASON in text and "2.80" not in text and "(95" not in text.split(REASON)[1][:40]
    api = api_weighted(app)["weighted"]["rows"][0]
    assert (api["status"], api["reason"]) == ("small-class", REASON)
    assert {value for key, value in api["cells"].items() if key != "weighting"} == {None}
