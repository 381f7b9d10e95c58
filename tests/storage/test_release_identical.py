"""The faster release computes exactly what the slower one did: every stored cell of a release on a demo
population (its cohort, count, figures JSON, withheld reason) against the code as it was before it was made faster,
kept verbatim under tests/reference/ and run on the same perturbed entries in the same test."""

from __future__ import annotations

import json

import numpy as np
import pytest
from reference.old_statistics import compute_stats as old_compute_stats
from reference.old_suppression import suppress as old_suppress
from sqlmodel import select

from assessment.classifications import load_industries, load_regions
from assessment.cohorts.groups import release_scales
from assessment.cohorts.statistics import Population, compute_stats
from assessment.cohorts.suppression import suppress
from factories import on_demo_population
from storage.releases import _plan, make_release, min_trust
from storage.statistics import load_population
from storage.tables import BenchmarkEntry, CohortStat

K = 5


def old_rows(population: Population, k: int) -> dict[tuple, tuple]:
    """A period's (or change's) cells as the old code stored them: cell -> (count, withheld reason, figures JSON)."""
    regions, industries = load_regions(), load_industries()
    country = regions.country.code
    cells = old_compute_stats(population, country)
    hidden = old_suppress({cell: data["count"] for cell, data in cells.items()}, k, country,
                          lambda code: regions.get(code).parent_code, lambda code: industries[code].type)
    return {cell: (data["count"], hidden.get(cell),
                   "{}" if cell in hidden else json.dumps({"nodes": data["nodes"], "lagging": data["lagging"]}))
            for cell, data in cells.items()}


@on_demo_population(400, seed=77)
def test_every_stored_cell_of_a_release_is_what_the_old_code_computes(app, db):
    catalog = app.extensions["questionnaires"]
    release = make_release(session=db, catalog=catalog, k=K)  # each entry with its own (random) noise
    only = [BenchmarkEntry.excluded.is_(False)]
    trust = min_trust(session=db)
    compared = withheld = 0
    for questionnaire_id, periods in _plan(db, catalog).items():
        previous = None
        for period, _ in periods:
            population = load_population(session=db, catalog=catalog, questionnaire_id=questionnaire_id,
                                         period=period, min_trust=trust, where=only)
            population = population.released(*release_scales(catalog.get(questionnaire_id), population.node_ids))
            parts = [(0, population)]
            if previous is not None:
                parts.append((previous[0], population.change_since(previous[1])))
            for base, part in parts:
                stored = {(row.region_code, row.industry, row.size): (row.count, row.suppressed,
                                                                       json.dumps(row.stats))
                          for row in db.exec(select(CohortStat).where(
                              CohortStat.release_id == release.id, CohortStat.questionnaire_id == questionnaire_id,
                              CohortStat.period == period, CohortStat.base_period == base))}
                expected = {cell: (count, reason, json.dumps(json.loads(figures)))
                            for cell, (count, reason, figures) in old_rows(part, K).items()}
                assert stored == expected
                compared += len(stored)
                withheld += sum(1 for _, reason, _ in stored.values() if reason)
            previous = (period, population)
    # two periods and the change between them, with both shown and withheld cells, were compared
    assert compared > 200 and 0 < withheld < compared


def random_population(rng: np.random.Generator, n: int, m: int) -> Population:
    """n entries on m nodes with few distinct labels (so cohorts repeat), some scores and levels missing."""
    population = object.__new__(Population)
    population.node_ids = tuple(f"n{c}" for c in range(m))
    population.dimension_columns = list(range(1, m))
    population.scores = rng.choice([0.0, 1.0, 2.5, 3.0, 4.75, 5.0, np.nan], size=(n, m))
    population.scores[:, 0] = np.where(rng.random(n) < 0.7, rng.uniform(0, 5, n), population.scores[:, 0])
    population.levels = np.where(np.isnan(population.scores), -1,
                                 np.floor(np.nan_to_num(population.scores))).astype(np.int8)
    population.levels[rng.random((n, m)) < 0.1] = -1
    population.noise = np.zeros((n, m))
    population.enterprise_ids = np.arange(n, dtype=np.int64)
    population.synthetic = rng.random(n) < 0.5
    provinces = ["370000", "410000"]
    cities = {"370000": ["370100", "370200", None], "410000": ["410100", None]}
    labels = {"province": provinces, "city": ["370100", "370200", "410100", None],
              "division": ["13", "26", "34"], "type": ["discrete", "process"], "size": ["large", "small"]}
    population.labels = labels
    province = rng.integers(0, 2, n)
    city = np.array([labels["city"].index(cities[provinces[p]][rng.integers(len(cities[provinces[p]]))])
                     for p in province])
    division = rng.integers(0, 3, n)
    population.codes = {"province": province, "city": city, "division": division,
                        "type": np.where(division == 2, 0, 1), "size": rng.integers(0, 2, n)}
    return population


@pytest.mark.parametrize("n", [1, 2, 3, 7, 40, 333])
def test_compute_stats_matches_the_old_code_cell_for_cell(n):
    rng = np.random.default_rng(n)
    population = random_population(rng, n, 4)
    country = load_regions().country.code
    assert compute_stats(population, country) == old_compute_stats(population, country)


@pytest.mark.parametrize("seed", range(30))
def test_suppression_matches_the_old_code_on_random_counts(seed):
    rng = np.random.default_rng(seed)
    population = random_population(rng, int(rng.integers(5, 120)), 2)
    regions, industries = load_regions(), load_industries()
    country = regions.country.code
    counts = {cell: data["count"] for cell, data in old_compute_stats(population, country).items()}
    province_of, type_of = (lambda code: regions.get(code).parent_code), (lambda code: industries[code].type)
    for k in (3, 5, 10):
        assert suppress(counts, k, country, province_of, type_of) == old_suppress(counts, k, country, province_of,
                                                                                  type_of)


def national_counts(rng: np.random.Generator, n: int) -> dict[tuple, int]:
    """Cohort counts of n enterprises spread over every province and city of the country, many industries and
    sizes: thousands of cells, most of them small, so that the complementary search runs many rounds."""
    regions, industries = load_regions(), load_industries()
    places = [(province.code, city.code) for province in regions.provinces()
              for city in regions.children(province.code)]
    places += [(province.code, None) for province in regions.provinces()]  # enterprises that named no city
    divisions = sorted(industries)
    cells: dict[tuple, int] = {}
    for _ in range(n):
        province, city = places[rng.integers(len(places))]
        add_enterprise(cells, province, city, divisions[rng.integers(len(divisions))],
                       ("micro", "small", "medium", "large")[rng.integers(4)])
    return cells


def add_enterprise(cells: dict[tuple, int], province: str, city: str | None, division: str, size: str) -> None:
    """Count one enterprise in every cohort it belongs to."""
    regions, industries = load_regions(), load_industries()
    for region in (regions.country.code, province, *([city] if city else [])):
        for industry in ("all", industries[division].type, division):
            for group in ("all", size):
                cells[region, industry, group] = cells.get((region, industry, group), 0) + 1


@pytest.mark.parametrize("seed", range(3))
def test_suppression_matches_the_old_code_on_a_national_population(seed):
    rng = np.random.default_rng(seed)
    counts = national_counts(rng, 3000)
    regions, industries = load_regions(), load_industries()
    rules = (regions.country.code, lambda code: regions.get(code).parent_code, lambda code: industries[code].type)
    expected = old_suppress(counts, K, *rules)
    assert sum(reason == "complementary" for reason in expected.values()) > 100  # the search had work to do
    assert suppress(counts, K, *rules) == expected
    # the same cells handed over in another order: the same answer (the search never follows the order given)
    shuffled = dict(sorted(counts.items(), key=lambda _: rng.random()))
    assert suppress(shuffled, K, *rules) == expected
    # a rebuild starting from the earlier answer after one more submission, as releases make them
    add_enterprise(counts, "370000", "370100", "34", "small")
    assert suppress(counts, K, *rules, start=expected) == old_suppress(counts, K, *rules, start=expected)
