"""The attacker's pass on the weighted figures: a region of 4 discrete respondents and 1 process respondent, weighted
to public margins (60 discrete, 40 process enterprises). The weighted and the unweighted mean are two known linear
combinations of the two weighting classes' means, and n_eff tells the attacker how many respondents each class holds;
so the page would give away the one process enterprise's (perturbed) score, and the shares its level. Likewise a
province raked over its cities gives away a small city's mean. The rule that every weighting class is a cohort cell
of at least k respondents that the release shows (assessment/cohorts/weighted.py) withholds such regions instead;
tests/web/test_weighted_exports.py checks the files and the API withhold them too."""

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
from storage.tables import BenchmarkEntry, Enterprise, WeightedStat

JINAN, QINGDAO, SHANDONG = "370100", "370200", "370000"
DISCRETE, PROCESS = 60, 40  # the public margins: Jinan's enterprises by industry type, all small
MARGINS = f"region_code,industry,size_class,count\n370100,discrete,small,{DISCRETE}\n370100,process,small,{PROCESS}\n"
HIDDEN_SCORE = 4.0  # the process enterprise's overall score (a noiseless release: its perturbed score is this)


def submitted(session, questionnaire, *, industry: str, industry_type: str, overall: float,
              region: str = JINAN) -> None:  # fmt: skip
    profile = Enterprise(name="E", region_code=region, industry_code=industry, industry_type=industry_type,
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


def weighted_row(app, region: str = JINAN, **query) -> str:
    analyst = client_as(app, make_user(app, "agency", email=f"agency-{uuid.uuid4().hex[:8]}@example.org",
                                       jurisdiction=SHANDONG))
    shown = analyst.get("/agencies/", query_string={"q": "quick_check", "period": "2026", "region": region,
                                                    "weighted": "y", **query})
    assert shown.status_code == 200
    return shown.text.split(f'id="weighted-{region}"')[1].split("</tr>")[0]


def attack(row: str, first: int = DISCRETE, second: int = PROCESS) -> float | None:
    """The second class's mean (here the process enterprise's score) worked out from the row as shown and the
    public margins of the region's two weighting classes, or None.

    The row shows n, n_eff, the weighted mean W and the unweighted mean U. With d respondents in the first class
    (60 discrete enterprises) and p = n - d in the second (40 process ones), raking gives each of the first 60/d
    and each of the second 40/p, so n_eff = 100² / (60²/d + 40²/p): the one split that matches the shown n_eff is
    the split. Then U = (d·D + p·P) / n and W = (60·D + 40·P) / 100, two equations in the classes' means D, P."""
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    if len(cells) < 4:
        return None
    n, n_eff, weighted, unweighted = int(cells[0]), float(cells[1]), float(cells[2].split()[0]), float(cells[3])
    total = first + second
    splits = [d for d in range(1, n) if abs(total**2 / (first**2 / d + second**2 / (n - d)) - n_eff) < 0.05]
    if len(splits) != 1:
        return None
    d, p = splits[0], n - splits[0]
    # D = (n·U - p·P) / d, so W = 60/100 · (n·U - p·P)/d + 40/100 · P; solved for P:
    share_d, share_p = first / total, second / total
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
    assert f"withheld: a weighting class holds fewer than {K} enterprises or is withheld itself" in row
    assert "2.80" not in row and "4.0" not in row


def weighted_mean_shown(row: str) -> float | None:
    """The weighted mean a row shows, or None."""
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    return float(cells[2].split()[0]) if len(cells) >= 4 else None


def province_and_cities(app, quick, k: int):
    """Jinan: 5 discrete respondents at 2.0 (margins: 60); Qingdao: 2 at 3.0 (margins: 50); all small."""
    margins = "region_code,industry,size_class,count\n370100,discrete,small,60\n370200,discrete,small,50\n"
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        for region, count, overall in ((JINAN, 5, 2.0), (QINGDAO, 2, 3.0)):
            for _ in range(count):
                submitted(session, quick, industry="34", industry_type="discrete", overall=overall, region=region)
        import_margins(session=session, rows=parse_margins_csv(margins, file_name="m.csv"), source="Census",
                       year=2024)
        return publish(session, app.extensions["questionnaires"], k=k)


def test_a_province_gives_away_its_small_city_wherever_it_is_shown(app, quick):
    # Raked over its cities, Shandong's classes are its cities: (Jinan, discrete, small) of 5 at 2.0 standing for
    # 60, (Qingdao, discrete, small) of 2 at 3.0 standing for 50. W = (60 × 2 + 50 × 3) / 110 = 2.45, U = 16 / 7 =
    # 2.29, n_eff = 110² / (60²/5 + 50²/2) = 12100 / 1970 = 6.1 (other splits: 3.0, 5.3, 6.6, 7.0, 3.9). So
    # Qingdao's 2 have mean (2.45 - 60/110 × 7 × 2.29 / 5) / (50/110 - 60/110 × 2/5) = 3.0. With k = 1 everything is
    # shown and the attack works; as merged, with k = 5, Qingdao and (by complementary suppression) Jinan were
    # withheld but Shandong's weighted row was shown, and gave this.
    province_and_cities(app, quick, k=1)
    assert attack(weighted_row(app, SHANDONG), first=60, second=50) == pytest.approx(3.0, abs=0.05)


def test_attacker_cannot_work_out_a_small_city_from_its_province(app, quick):
    # With k = 5 Shandong holds 7 respondents and its cohort cell is shown, but its class (Qingdao, discrete,
    # small) holds 2: no weighted figure. Qingdao is a small group, Jinan withheld so that it cannot be derived.
    province_and_cities(app, quick, k=K)
    shandong = weighted_row(app, SHANDONG)
    assert weighted_mean_shown(shandong) is None and attack(shandong, first=60, second=50) is None
    assert f"withheld: a weighting class holds fewer than {K} enterprises or is withheld itself" in shandong
    assert "withheld: small group" in weighted_row(app, QINGDAO)
    assert "withheld so that a small group cannot be derived" in weighted_row(app, JINAN)


def test_the_verified_only_companion_obeys_the_same_rule(app, quick):
    # 5 discrete and 5 process respondents: both classes hold k = 5, so the weighted figures are shown. Only 4 of the
    # process ones are verified: the verified-only release counts 9, and its process class holds 4: withheld.
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        for industry, industry_type, overall in (("34", "discrete", 2.0), ("13", "process", 4.0)):
            for _ in range(5):
                submitted(session, quick, industry=industry, industry_type=industry_type, overall=overall)
        import_margins(session=session, rows=parse_margins_csv(MARGINS, file_name="m.csv"), source="Census",
                       year=2024)
        entries = session.exec(select(BenchmarkEntry).order_by(BenchmarkEntry.enterprise_id)).all()
        for entry in entries[:9]:  # the 5 discrete ones (made first) and 4 of the process ones
            entry.verified = True
            session.add(entry)
        session.commit()
        publish(session, app.extensions["questionnaires"], k=K)
    # All: 0.6 × 2 + 0.4 × 4 = 2.80 (weights 12 and 8, n_eff 100² / (5 × 144 + 5 × 64) = 9.6).
    assert weighted_mean_shown(weighted_row(app)) == pytest.approx(2.8)
    verified = weighted_row(app, verified="y")
    assert weighted_mean_shown(verified) is None
    assert f"withheld: a weighting class holds fewer than {K} enterprises or is withheld itself" in verified


def test_the_methodology_page_states_the_rule(client):
    page = client.get("/methodology/quick_check")
    assert page.status_code == 200
    rule = page.text.split('id="weighting-classes"')[1].split("</li>")[0]
    assert "Every weighting class must be a group the release shows: at least k enterprises" in rule
