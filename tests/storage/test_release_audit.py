"""An audit of every release ever made, the way τ-ARGUS audits a table: for each protected cell and for each member,
the interval an attacker can derive by linear programming from everything released (every release, period, change
and filter, additions and deletions between releases), with the counts, membership and classifications of every
enterprise known to the attacker.

What it proves on random populations:
1. no withheld group of 1 to k-1 enterprises has its size pinned by the shown counts of its release;
2. no member's score can be narrowed to within ±0.25 (an interval of 0.5 on the 0-5 scale), nor its level;
3. on exact figures (every entry's noise zero: statistics before releases were perturbed) the same audit pins
   members exactly, so it can fail.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy.optimize import linprog
from sqlmodel import select

from assessment.classifications import load_industries, load_regions
from assessment.cohorts.groups import ALL, benchmark_nodes
from assessment.cohorts.perturbation import consistent_scores, spread
from assessment.cohorts.suppression import relations
from assessment.scoring import NodeResult, Result, band_table
from factories import K, publish
from storage.assessments import start_assessment, submit_assessment
from storage.privacy import delete_enterprise
from storage.statistics import record_submission
from storage.tables import BenchmarkEntry, CohortStat, Enterprise

CITIES = ("370100", "370200", "370300")  # Jinan, Qingdao, Zibo
DIVISIONS = ("34", "35", "26")  # two discrete, one process
SIZES = {"small": (50, 10.0), "medium": (500, 100.0)}


def random_result(questionnaire, rng: random.Random) -> Result:
    nodes = {}
    for node_id in benchmark_nodes(questionnaire):
        node = questionnaire.nodes[node_id]
        value = round(rng.uniform(0, 100), 2) if node.rule == "progress" else round(rng.uniform(0, 5), 2)
        bands = questionnaire.bands(node)
        level = max((b.level for b in bands if value >= b.min), default=0) if bands else None
        nodes[node_id] = NodeResult(node_id, node.kind, node.rule, value, level, ())
    return Result(questionnaire.id, questionnaire.version, "discrete", nodes, {}, {})


def add(db, questionnaire, rng, period: int, enterprise=None):
    if enterprise is None:
        size = rng.choice(list(SIZES))
        division = rng.choice(DIVISIONS)
        profile = Enterprise(name="E", region_code=rng.choice(CITIES), industry_code=division,
                             industry_type=load_industries()[division].type, employees=SIZES[size][0],
                             revenue_million_yuan=SIZES[size][1], size_class=size)
        assessment = start_assessment(session=db, profile=profile, questionnaire=questionnaire)
        enterprise = db.get(Enterprise, assessment.enterprise_id)
    else:
        from storage.assessments import start_reassessment
        assessment = start_reassessment(session=db, enterprise=enterprise, questionnaire=questionnaire)
    result = random_result(questionnaire, rng)
    submit_assessment(session=db, assessment=assessment, questionnaire=questionnaire, result=result,
                      submitted_at=datetime(period, 5, 1, tzinfo=UTC))
    record_submission(session=db, assessment=assessment, questionnaire=questionnaire, result=result,
                      enterprise=enterprise, trust="account")
    return enterprise


def cells_of(entry: BenchmarkEntry, country: str) -> set[tuple[str, str, str]]:
    regions = [country, entry.province_code, entry.city_code]
    return {(r, i, s) for r in regions for i in (ALL, entry.industry_type, entry.industry_code)
            for s in (ALL, entry.size_class)}


def releases_of_a_random_history(db, quick, catalog, seed: int, noiseless: bool):
    """Three releases: 40 enterprises in two periods; then 4 join, 3 leave; then one more joins. Returns, per
    release, the entries it counted ({(period, enterprise): (scores, released scores)}) and its rows."""
    rng = random.Random(seed)
    enterprises = [add(db, quick, rng, 2025) for _ in range(30)]
    for enterprise in enterprises[:20]:
        add(db, quick, rng, 2026, enterprise)
    enterprises += [add(db, quick, rng, 2026) for _ in range(10)]
    history = [snapshot(db, quick, publish(db, catalog, noiseless=noiseless))]
    enterprises += [add(db, quick, rng, 2026) for _ in range(4)]
    for enterprise in rng.sample(enterprises, 3):
        delete_enterprise(session=db, enterprise_id=enterprise.id)
    history.append(snapshot(db, quick, publish(db, catalog, noiseless=noiseless)))
    add(db, quick, rng, 2026)
    history.append(snapshot(db, quick, publish(db, catalog, noiseless=noiseless)))
    return history


def snapshot(db, quick, release):
    """What one release counted (the true and the released overall scores of each entry) and what it showed."""
    node = quick.overall_node
    reach = spread(5.0, band_table(quick.bands(node)))
    entries = {}
    for entry in db.exec(select(BenchmarkEntry)).all():
        true = float(np.frombuffer(entry.scores, "<f8")[0])
        noise = float(np.frombuffer(entry.noise, "<f4")[0])
        released = float(np.clip(true + reach.at(np.array([true]))[0] * noise, 0.0, 5.0))
        entries[(entry.period, entry.enterprise_id)] = (true, released, entry)
    rows = db.exec(select(CohortStat).where(CohortStat.release_id == release.id)).all()
    return entries, rows


def member_intervals(history, quick) -> dict:
    """For every entry ever released, [min, max] of its released overall score by linear programming over every
    shown mean (and change) of every release, each released score within [0, 5]."""
    country = load_regions().country.code
    keys = sorted({key for entries, _ in history for key in entries})
    index = {key: i for i, key in enumerate(keys)}
    equations, totals = [], []
    for entries, rows in history:
        members: dict[tuple, list] = {}
        for (period, enterprise_id), (_, _, entry) in entries.items():
            for cell in cells_of(entry, country):
                members.setdefault((period, cell), []).append((period, enterprise_id))
        for row in rows:
            if row.suppressed or "overall" not in row.stats["nodes"]:
                continue
            mean = row.stats["nodes"]["overall"][1]
            line = np.zeros(len(keys))
            if row.base_period == 0:
                for key in members[(row.period, (row.region_code, row.industry, row.size))]:
                    line[index[key]] += 1
            else:  # the change of those in both periods
                now = {e for _, e in members[(row.period, (row.region_code, row.industry, row.size))]}
                before = {e for _, e in members.get((row.base_period, (row.region_code, row.industry, row.size)),
                                                     [])}
                for enterprise_id in now & set(e for p, e in entries if p == row.base_period):
                    line[index[(row.period, enterprise_id)]] += 1
                    line[index[(row.base_period, enterprise_id)]] -= 1
                del before
            equations.append(line)
            totals.append(row.count * mean)
    # means are released to 6 places: each total is known to within count * 5e-7
    a, b = np.array(equations), np.array(totals)
    slack = np.abs(a).sum(axis=1) * 5e-7 + 1e-9
    a_ub, b_ub = np.vstack([a, -a]), np.concatenate([b + slack, -b + slack])
    intervals = {}
    for key, i in index.items():
        objective = np.zeros(len(keys))
        objective[i] = 1
        low = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, 5), method="highs")
        high = linprog(-objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, 5), method="highs")
        assert low.status == 0 and high.status == 0, key
        intervals[key] = (low.fun, -high.fun)
    return intervals


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_no_release_or_combination_of_releases_gives_a_member_or_a_small_group_away(app, db, quick, seed):
    catalog = app.extensions["questionnaires"]
    history = releases_of_a_random_history(db, quick, catalog, seed, noiseless=False)
    node = quick.overall_node
    reach = spread(5.0, band_table(quick.bands(node)))
    levels = band_table(quick.bands(node))
    candidates = np.linspace(0, 5, 1001)
    narrowest = 5.0
    for key, (low, high) in member_intervals(history, quick).items():
        true = next(entries[key][0] for entries, _ in history if key in entries)
        # every true score consistent with some released score in [low, high]
        possible = np.zeros(len(candidates), dtype=bool)
        for released in np.linspace(low, high, 7):
            possible |= consistent_scores(float(released), reach, candidates)
        found = candidates[possible]
        assert found.min() <= true + 0.005 and found.max() >= true - 0.005, key
        narrowest = min(narrowest, found.max() - found.min())
        found_levels = {levels[1][max(0, np.searchsorted(levels[0], x, side="right") - 1)] for x in found}
        assert len(found_levels) >= 2, (key, low, high)
    assert narrowest > 0.5

    # the counts: no withheld group of 1 to k-1 has its size pinned by the shown counts of its release
    country, regions, industries = load_regions().country.code, load_regions(), load_industries()
    audited = 0
    for _, rows in history:
        for period in {row.period for row in rows if row.base_period == 0}:
            counts = {(r.region_code, r.industry, r.size): r.count for r in rows
                      if r.period == period and r.base_period == 0}
            shown = {(r.region_code, r.industry, r.size) for r in rows
                     if r.period == period and r.base_period == 0 and not r.suppressed}
            cells, links = relations(counts, country, lambda c: regions.get(c.rstrip("*")).parent_code,
                                     lambda c: industries[c].type)
            names = sorted(cells)
            at = {cell: i for i, cell in enumerate(names)}
            a_eq, b_eq = [], []
            for total, parts in links:
                line = np.zeros(len(names))
                line[at[total]] = 1
                for part in parts:
                    line[at[part]] -= 1
                a_eq.append(line)
                b_eq.append(0)
            for cell in shown:
                line = np.zeros(len(names))
                line[at[cell]] = 1
                a_eq.append(line)
                b_eq.append(cells[cell])
            for cell, n in cells.items():
                if cell in shown or not 0 < n < K or cell[0].endswith("*"):
                    continue
                objective = np.zeros(len(names))
                objective[at[cell]] = 1
                low = linprog(objective, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=(0, None), method="highs")
                high = linprog(-objective, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=(0, None),
                               method="highs")
                assert high.status == 3 or -high.fun - low.fun > 0.5, (cell, n, low.fun, -high.fun)
                audited += 1
    assert audited > 20  # small groups were there to protect


@pytest.mark.slow
def test_the_audit_pins_members_on_exact_figures(app, db, quick):
    """The same history released without perturbation: the linear programme pins some member's score exactly."""
    history = releases_of_a_random_history(db, quick, app.extensions["questionnaires"], 1, noiseless=True)
    intervals = member_intervals(history, quick)
    pinned = [key for key, (low, high) in intervals.items() if high - low < 1e-3]
    assert pinned
    for key in pinned:
        true = next(entries[key][0] for entries, _ in history if key in entries)
        assert intervals[key][0] == pytest.approx(true, abs=1e-3)

