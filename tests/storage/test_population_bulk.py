"""A period's entries read in bulk (PostgreSQL: one fixed-width record per entry, made by the server) are exactly the
entries read row by row, and entries the bulk read cannot take are read row by row instead."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import exists, false, update
from sqlmodel import select

from assessment.trust import counted
from factories import on_demo_population, publish
from storage.statistics import (
    FixedWidth,
    _population_by_rows,
    _population_in_bulk,
    load_population,
)
from storage.tables import BenchmarkEntry, Enterprise

pytestmark = on_demo_population(120, seed=31)


@pytest.fixture
def postgres_only(db):
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("the bulk read is PostgreSQL's")


def reads(db, catalog, period):
    """The conditions load_population reads a period with, and the questionnaire."""
    latest = catalog.get("quick_check")
    withdrawn = exists().where(Enterprise.id == BenchmarkEntry.enterprise_id, Enterprise.benchmark_consent == false())
    conditions = (BenchmarkEntry.questionnaire_id == "quick_check", BenchmarkEntry.period == period,
                  BenchmarkEntry.trust.in_(counted("anonymous")), ~withdrawn)
    return latest, conditions, [d.id for d in latest.dimensions]


def assert_same(one, other):
    assert one.node_ids == other.node_ids and one.dimension_columns == other.dimension_columns
    for name in ("enterprise_ids", "synthetic", "scores", "levels", "noise"):
        np.testing.assert_array_equal(getattr(one, name), getattr(other, name), err_msg=name)
    assert one.labels == other.labels
    for name, codes in other.codes.items():
        np.testing.assert_array_equal(one.codes[name], codes, err_msg=name)


def period_of(db):
    return db.exec(select(BenchmarkEntry.period).order_by(BenchmarkEntry.period.desc())).first()


def test_a_period_read_in_bulk_is_the_period_read_row_by_row(app, db, postgres_only):
    catalog = app.extensions["questionnaires"]
    publish(db, catalog, noiseless=False)  # every entry has its noise drawn
    period = period_of(db)
    ids = db.exec(select(BenchmarkEntry.enterprise_id).where(BenchmarkEntry.period == period)
                  .order_by(BenchmarkEntry.enterprise_id)).all()
    # Entries of three kinds the bulk read must place as the rows do: without noise, without a city, and of an
    # older version (one the catalog no longer has: its entries are laid out as the latest version's)
    db.execute(update(BenchmarkEntry).where(BenchmarkEntry.enterprise_id.in_(ids[:3])).values(noise=None))
    db.execute(update(BenchmarkEntry).where(BenchmarkEntry.enterprise_id.in_(ids[3:6])).values(city_code=None))
    db.execute(update(BenchmarkEntry).where(BenchmarkEntry.enterprise_id.in_(ids[6:9]))
               .values(questionnaire_version="0.9"))
    latest, conditions, dimensions = reads(db, catalog, period)
    bulk = _population_in_bulk(db.connection(), catalog, latest, conditions, dimensions)
    rows = _population_by_rows(db.connection(), catalog, latest, conditions, dimensions)
    assert_same(bulk, rows)
    assert len(bulk) == len(ids) and np.isnan(bulk.noise[:3]).all() and not np.isnan(bulk.noise[3:]).any()
    assert None in bulk.labels["city"]
    assert_same(load_population(session=db, catalog=catalog, questionnaire_id="quick_check", period=period,
                                min_trust="anonymous"), rows)


def test_entries_the_bulk_read_cannot_take_are_read_row_by_row(app, db, postgres_only):
    # An industry type longer than the bulk read's 8 bytes would be cut short there: the period is read row by row,
    # and the label is whole
    catalog = app.extensions["questionnaires"]
    period = period_of(db)
    first = db.exec(select(BenchmarkEntry.enterprise_id).where(BenchmarkEntry.period == period)).first()
    db.execute(update(BenchmarkEntry).where(BenchmarkEntry.enterprise_id == first, BenchmarkEntry.period == period)
               .values(industry_type="discrete-x"))
    latest, conditions, dimensions = reads(db, catalog, period)
    with pytest.raises(FixedWidth):
        _population_in_bulk(db.connection(), catalog, latest, conditions, dimensions)
    population = load_population(session=db, catalog=catalog, questionnaire_id="quick_check", period=period,
                                 min_trust="anonymous")
    assert "discrete-x" in population.labels["type"]
    assert_same(population, _population_by_rows(db.connection(), catalog, latest, conditions, dimensions))


def test_a_period_without_entries_reads_as_an_empty_population(app, db, postgres_only):
    catalog = app.extensions["questionnaires"]
    latest, conditions, dimensions = reads(db, catalog, 1999)  # no entries that year
    bulk = _population_in_bulk(db.connection(), catalog, latest, conditions, dimensions)
    assert len(bulk) == 0 and bulk.scores.shape == (0, len(bulk.node_ids))
    assert_same(bulk, _population_by_rows(db.connection(), catalog, latest, conditions, dimensions))
