"""The attacker's pass on the weighted figures: a region of 4 discrete respondents and 1 process respondent, weighted
to public margins (60 discrete, 40 process enterprises). The weighted and the unweighted mean are two known linear
combinations of the two weighting classes' means, and n_eff tells the attacker how many respondents each class holds;
so the page would give away the one process enterprise's (perturbed) score, and the shares its level. The rule that
every weighting class holds at least k respondents (assessment/cohorts/weighted.py) withholds the region instead."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from assessment.margins import parse_margins_csv
from factories import K, client_as, make_user, publish, result_with
from storage.assessments import start_assessment, submit_assessment
from storage.margins import import_margins
from storage.statistics import record_submission
from storage.tables import Enterprise, WeightedStat

JINAN, SHANDONG = "370100", "370000"
DISCRETE, PROCESS = 60, 40  # the public margins: Jinan's enterprises by industry type, all small
MARGINS = f"region_code,industry,size_class,count\n370100,discrete,small,{DISCRETE}\n370100,process,small,{PROCESS}\n"
HIDDEN_SCORE = 4.0  # the process enterprise's overall score (a noiseless release: its perturbed score is this)


def submitted(session, questionnaire, *, industry: str, industry_type: str, overall: float) -> None:
    profile = Enterprise(name="E", region_code=JINAN, industry_code=industry, industry_type=industry_type,
                         employees=50, revenue_million_yuan=10.0, size_class="small")
    assessment = start_assessment(session=session, profile=profile, questionnaire=questionnaire)
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    result = result_with(questionnaire, overall)
    submit_assessment(session=session, assessment=assessment, questionnaire=questionnaire, result=result,
                      submitted_at=datetime(2026, 5, 1, tzinfo=UTC))
    record_submission(session=session, assessment=assessment, questionnaire=questionnaire, result=result,
                      enterprise=enterprise, trust="account")


def released(app, quick, k: int):
    """Jinan: 4 discrete respondents at 2.0, 1 process respondent at 4.0, released (noiseless) with `k`."""
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        for _ in range(4):
            submitted(session, quick, industry="34", industry_type="discrete", overall=2.0)
        submitted(session, quick, industry="13", industry_type="process", overall=HIDDEN_SCORE)
        import_margins(session=session, rows=parse_margins_csv(MARGINS, file_name="m.csv"), source="Census",
                       year=2024)
        return publish(session, app.extensions["questionnaires"], k=k)


def weighted_row(app) -> str:
    analyst = client_as(app, make_user(app, "agency", email=f"agency-{uuid.uuid4().hex[:8]}@example.org",
                                       jurisdiction=SHANDONG))
    shown = analyst.get("/agencies/", query_string={"q": "quick_check", "period": "2026", "region": JINAN,
                                                    "weighted": "y"})
    assert shown.status_code == 200
    return shown.text.split(f'id="weighted-{JINAN}"')[1].split("</tr>")[0]


def attack(row: str) -> float | None:
    """The process enterprise's score worked out from the row as shown and the public margins, or None.

    The row shows n, n_eff, the weighted mean W and the unweighted mean U. With d discrete and p = n - d process
    respondents, raking gives each discrete one 60/d and each process one 40/p, so n_eff = 100² / (60²/d + 40²/p):
    the one split that matches the shown n_eff is the split. Then U = (d·D + p·P) / n and W = (60·D + 40·P) / 100,
    two equations in the classes' means D and P."""
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    if len(cells) < 4:
        return None
    n, n_eff, weighted, unweighted = int(cells[0]), float(cells[1]), float(cells[2].split()[0]), float(cells[3])
    total = DISCRETE + PROCESS
    splits = [d for d in range(1, n) if abs(total**2 / (DISCRETE**2 / d + PROCESS**2 / (n - d)) - n_eff) < 0.05]
    if len(splits) != 1:
        return None
    d, p = splits[0], n - splits[0]
    # D = (n·U - p·P) / d, so W = 60/100 · (n·U - p·P)/d + 40/100 · P; solved for P:
    share_d, share_p = DISCRETE / total, PROCESS / total
    return (weighted - share_d * n * unweighted / d) / (share_p - share_d * p / d)


def test_the_attack_works_wherever_the_figures_are_shown(app, quick):
    # With k = 1 the weighted row is shown: n 5, n_eff 100² / (60²/4 + 40²/1) = 10000 / 2500 = 4.0,
    # W = 0.6 × 2 + 0.4 × 4 = 2.80, U = (4 × 2 + 4) / 5 = 2.40. Splits: d = 1, 2, 3, 4 give n_eff 2.5, 4.29, 5.0,
    # 4.0: only d = 4. P = (2.8 - 0.6 × 5 × 2.4 / 4) / (0.4 - 0.6 × 1/4) = (2.8 - 1.8) / 0.25 = 4.0.
    # The shares say the same of its level: level 4 holds 40 % weighted and 20 % unweighted, the process weight.
    released(app, quick, k=1)
    row = weighted_row(app)
    assert attack(row) == pytest.approx(HIDDEN_SCORE, abs=0.05)
    assert "40.0 (" in row and ">20.0<" in row


def test_attacker_cannot_recover_one_enterprise_from_weighted_and_unweighted_figures(app, quick):
    # With the app's k = 5 the region holds 5 respondents, so its unweighted figures are shown; but its process
    # class holds 1 (and its discrete class 4): the weighted figures are withheld, none stored, none shown.
    release = released(app, quick, k=K)
    with Session(app.extensions["db_engine"]) as session:
        jinan = session.exec(select(WeightedStat).where(WeightedStat.release_id == release.id,
                                                        WeightedStat.region_code == JINAN)).one()
    assert (jinan.count, jinan.suppressed, jinan.stats) == (5, "small-class", {})
    row = weighted_row(app)
    assert attack(row) is None
    assert f"withheld: a weighting class holds fewer than {K} enterprises" in row
    assert "2.80" not in row and "4.0" not in row
