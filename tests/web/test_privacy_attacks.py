"""The attacks of a real attacker on the statistics, played through the app: differencing two releases (an addition
and a deletion), k-1 fake members by the public survey, by an import and by the API, and the demo subtraction.

Each attack is judged the way an attacker would have to: two worlds that differ only in the victim's true scores
(0.3 below and above, on both sides of a level boundary) are shown to give the attacker exactly the same releases,
pages and API answers, so nothing the attacker sees can tell the victim's score within ±0.25, nor its level. Each
test also shows the attack working on exact figures (every entry's noise zero, as statistics were computed before
releases were perturbed): the protection is what defeats it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlmodel import Session, select

from assessment.cohorts.groups import Cohort, benchmark_nodes, pack_scores
from assessment.cohorts.perturbation import spread
from assessment.scoring import band_table
from factories import client_as, csrf_token, make_user, on_demo_population, publish, result_with, rounded
from storage.assessments import start_assessment, submit_assessment
from storage.privacy import delete_enterprise
from storage.statistics import cohort_stats, record_submission
from storage.tables import Assessment, BenchmarkEntry, CohortStat, Enterprise
from storage.tokens import create_token

QINGDAO, SHANDONG = "370200", "370000"
PROFILE = {"name": "Qingdao Precision Parts", "region_code": QINGDAO, "industry_code": "34", "employees": 120,
           "revenue_million_yuan": 50.0}
VICTIM = 3.0  # its true overall and dimension scores (60 % in each paradigm)
WORLDS = (2.7, 3.3)  # what the attacker must not tell apart from it: levels 2 and 3


def add_victim(db, quick, when=datetime(2026, 6, 1, tzinfo=UTC)) -> Enterprise:
    """A real enterprise (a confirmed account) in the fakes' city, division and size class."""
    profile = Enterprise(name="Victim Works", region_code=QINGDAO, industry_code="34", industry_type="discrete",
                         employees=120, revenue_million_yuan=50.0, size_class="small")
    assessment = start_assessment(session=db, profile=profile, questionnaire=quick)
    enterprise = db.get(Enterprise, assessment.enterprise_id)
    result = result_with(quick, VICTIM)
    submit_assessment(session=db, assessment=assessment, questionnaire=quick, result=result, submitted_at=when)
    record_submission(session=db, assessment=assessment, questionnaire=quick, result=result, enterprise=enterprise,
                      trust="account")
    set_world(db, quick, enterprise, VICTIM)
    return enterprise


def set_world(db, quick, enterprise: Enterprise, overall: float, *, compensate: bool = True) -> None:
    """Give the victim's entry true scores at `overall` and, with `compensate`, the noise that makes its released
    scores those of the world at VICTIM with zero noise (a draw as likely as any other)."""
    entry = db.exec(select(BenchmarkEntry).where(BenchmarkEntry.enterprise_id == enterprise.id)).one()
    node_ids = benchmark_nodes(quick)
    result = result_with(quick, overall)
    entry.scores, entry.levels = pack_scores([result.nodes[n].score for n in node_ids],
                                             [result.nodes[n].level for n in node_ids])
    noise = []
    for node_id in node_ids:
        node = quick.nodes[node_id]
        scale = 100.0 if node.rule == "progress" else 5.0
        bands = quick.bands(node)
        reach = spread(scale, band_table(bands) if bands else None).at(np.array([result.nodes[node_id].score]))[0]
        shift = (overall - VICTIM) * scale / 5
        noise.append(-shift / reach if compensate else 0.0)
    assert all(abs(n) <= 1 for n in noise)  # a noise value the victim's entry could have drawn
    entry.noise = np.array(noise, dtype="<f4").tobytes()
    db.add(entry)
    db.commit()


def release_figures(db, release) -> dict:
    """Everything a release holds, cell by cell (what any page or API answer is made from)."""
    rows = db.exec(select(CohortStat).where(CohortStat.release_id == release.id)).all()
    return {(r.questionnaire_id, r.period, r.base_period, r.region_code, r.industry, r.size):
            (r.count, r.synthetic, r.suppressed, rounded(r.stats)) for r in rows}


def same(*answers) -> bool:
    """Whether answers hold the same figures: equal but for the last digits (the compensating noise is stored as
    float32, so a world's released score matches the other's to about 1e-7)."""
    first, *others = answers
    return all(_close(first, other) for other in others)


def _close(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[key], b[key]) for key in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= 2e-5
    return a == b


def test_differencing_two_releases_tells_nothing_of_the_one_that_joined_or_left(app, db, quick):
    """An agency analyst reads Qingdao / 34 before and after one enterprise submits (5 -> 6) and takes
    n1 * m1 - n0 * m0; then after it is deleted. Before releases were perturbed this gave its five scores to
    ±0.03 and its level."""
    catalog = app.extensions["questionnaires"]
    others = []
    for number, overall in enumerate((1.5, 2.0, 2.5, 3.5, 4.0)):
        profile = Enterprise(name=f"Other {number}", region_code=QINGDAO, industry_code="34",
                             industry_type="discrete", employees=120, revenue_million_yuan=50.0, size_class="small")
        assessment = start_assessment(session=db, profile=profile, questionnaire=quick)
        result = result_with(quick, overall)
        submit_assessment(session=db, assessment=assessment, questionnaire=quick, result=result,
                          submitted_at=datetime(2026, 3, 1, tzinfo=UTC))
        others.append(db.get(Enterprise, assessment.enterprise_id))
        record_submission(session=db, assessment=assessment, questionnaire=quick, result=result,
                          enterprise=others[-1], trust="account")
    before = publish(db, catalog, noiseless=False)  # the five others
    victim = add_victim(db, quick)
    seen = {}
    for world in (VICTIM, *WORLDS):
        set_world(db, quick, victim, world)
        seen[world] = release_figures(db, publish(db, catalog, noiseless=False))
    cell = ("quick_check", 2026, 0, QINGDAO, "34", "all")
    assert seen[VICTIM][cell][0] == 6 and release_figures(db, before)[cell][0] == 5
    assert same(seen[2.7], seen[VICTIM], seen[3.3])  # the releases after the addition cannot tell the worlds apart

    # the attack: n1 * m1 - n0 * m0 (the others' total, 1.5 + 2 + 2.5 + 3.5 + 4 = 13.5, from the release before)
    # gives the same number in every world; on exact figures (every entry's noise zero) it gave the victim's score
    mine = Cohort("quick_check", 2026, QINGDAO, "34")
    for world in (VICTIM, *WORLDS):
        set_world(db, quick, victim, world, compensate=False)
        exact = cohort_stats(session=db, cohorts=[mine], release=publish(db, catalog))[mine]
        assert 6 * exact.nodes["overall"].mean - 13.5 == pytest.approx(world)

    # the deletion: what the releases with the victim hold is already the same in every world, and the release
    # after the deletion holds nothing of it
    delete_enterprise(session=db, enterprise_id=victim.id)
    after_deletion = release_figures(db, publish(db, catalog, noiseless=False))
    assert after_deletion[cell][0] == 5


def api(app, user):
    client = app.test_client()
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        token = create_token(session=session, user=user, name="attack")
    headers = {"Authorization": f"Bearer {token}"}
    return client, headers


def test_four_anonymous_quick_checks_do_not_make_a_group_of_five(app, db, quick, survey, example_answers):
    """Fakes by the public survey (no account) count in no release: the real enterprise stays alone, withheld."""
    tokens = []
    for _ in range(4):
        token = survey.start(region=QINGDAO)
        survey.answer_all(token, example_answers)
        assert survey.submit(token).status_code == 302
        tokens.append(token)
    add_victim(db, quick, when=datetime.now(UTC))
    release = publish(db, app.extensions["questionnaires"], noiseless=False)
    period = datetime.now(UTC).year
    finest = Cohort("quick_check", period, QINGDAO, "34", "small")
    found = cohort_stats(session=db, cohorts=[finest, Cohort("quick_check", period, "100000")], release=release)
    assert found[finest].reason == "small"  # the victim alone
    assert release.entries == 1  # the four fakes were not counted
    page = survey.client.get(f"/a/{tokens[0]}/results").text
    assert 'id="comparison-none"' in page and 'id="comparison-cohort"' not in page  # nothing of the victim


def fake_via_api(client, headers, answers) -> int:
    api_root = "/api/v1"
    enterprise = client.post(f"{api_root}/enterprises", json=PROFILE, headers=headers).get_json()
    assessment = client.post(f"{api_root}/assessments", json={"enterprise_id": enterprise["id"],
                                                              "questionnaire_id": "quick_check"},
                             headers=headers).get_json()
    assert client.put(f"{api_root}/assessments/{assessment['id']}/answers", json={"answers": answers},
                      headers=headers).status_code == 200
    assert client.post(f"{api_root}/assessments/{assessment['id']}/submit", headers=headers).status_code == 200
    return assessment["id"]


def fakes_via_import(app, consultant, answers, count: int) -> None:
    client = client_as(app, consultant)
    columns = ["enterprise_name", "region_code", "industry_code", "employees", "revenue_million_yuan", *answers]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for number in range(count):
        writer.writerow({"enterprise_name": f"Fake {number}", "region_code": QINGDAO, "industry_code": "34",
                         "employees": "120", "revenue_million_yuan": "50",
                         **{q: _cell(a) for q, a in answers.items()}})
    page = client.get("/workspace/clients/import").text
    response = client.post("/workspace/clients/import", data={
        "csrf_token": csrf_token(page), "questionnaire": "quick_check", "submit_complete": "y",
        "upload": (io.BytesIO(out.getvalue().encode()), "fakes.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200 and f"{count} rows imported ({count} submitted)" in response.text


def _cell(answer) -> str:
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    return ";".join(answer) if isinstance(answer, list) else str(answer)


@pytest.mark.parametrize("by", ["api", "import"])
def test_four_fakes_of_a_consultant_do_not_give_the_fifth_away(app, db, quick, example_answers, by, monkeypatch):
    """Fakes vouched for by a consultant do count (a consultant answers for its clients), so the group of five is
    shown; but what the fakes' owner reads of it (the comparison of a fake, best in class = the 90th percentile of
    four known scores and the victim's, and the agencies' statistics) is the same whatever the victim's score."""
    monkeypatch.setattr("storage.assessments.utcnow", lambda: datetime(2026, 6, 1, 12, tzinfo=UTC))
    consultant = make_user(app, "consultant")
    client, headers = api(app, consultant)
    if by == "api":
        fake = fake_via_api(client, headers, example_answers)
        for _ in range(3):
            fake_via_api(client, headers, example_answers)
    else:
        fakes_via_import(app, consultant, example_answers, 4)
        fake = db.exec(select(Assessment.id).where(Assessment.status == "submitted")).first()
    victim = add_victim(db, quick)
    agency = make_user(app, "agency", jurisdiction=SHANDONG)
    agency_client, agency_headers = api(app, agency)
    catalog = app.extensions["questionnaires"]

    def what_the_attacker_reads(compensate: bool, world: float) -> tuple:
        set_world(db, quick, victim, world, compensate=compensate)
        publish(db, catalog, noiseless=False)
        compared = client.get(f"/api/v1/assessments/{fake}/comparison", headers=headers).get_json()
        statistics = agency_client.get("/api/v1/regions/statistics?questionnaire=quick_check&period=2026"
                                       "&region=370200&industry=34", headers=agency_headers).get_json()
        for answer in (compared, statistics):
            answer.pop("release", None)
        return rounded(compared), rounded(statistics)

    seen = {world: what_the_attacker_reads(True, world) for world in (VICTIM, *WORLDS)}
    assert seen[VICTIM][0]["count"] == 5  # the group of five is shown...
    assert same(seen[2.7], seen[VICTIM], seen[3.3])  # ...and says the same in every world
    # on exact figures (noise zero everywhere) the fakes' owner told the worlds apart
    entries = db.exec(select(BenchmarkEntry)).all()
    for entry in entries:
        entry.noise = np.zeros(len(entry.levels), "<f4").tobytes()
        db.add(entry)
    db.commit()
    exact = {world: what_the_attacker_reads(False, world) for world in WORLDS}
    assert not same(exact[2.7], exact[3.3])


@on_demo_population(60, seed=2026)
def test_the_demo_population_cannot_be_subtracted(app, db, quick, catalog):
    """The demo population is public (seed 2026): rebuilding it elsewhere and subtracting its scores from a group's
    total gave the one real enterprise among them. A release with real data says how many are synthetic nowhere,
    and the synthetic entries' noise is drawn at random where they are loaded, so the subtraction yields noise."""
    victim = add_victim(db, quick)
    catalog = app.extensions["questionnaires"]
    seen = {}
    for world in (VICTIM, *WORLDS):
        set_world(db, quick, victim, world)
        seen[world] = release_figures(db, publish(db, catalog, noiseless=False))
    assert all(synthetic == 0 for _, synthetic, _, _ in seen[VICTIM].values())
    # the demo's noise is its own: the same seed loaded twice gets other noise (random.Random(2026) draws the
    # enterprises; the noise comes from the operating system)
    noise = {entry.noise for entry in db.exec(select(BenchmarkEntry)).all()}
    assert len(noise) == len(db.exec(select(BenchmarkEntry)).all())
    assert same(seen[2.7], seen[VICTIM], seen[3.3])
