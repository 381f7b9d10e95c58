"""Demo data never sits with real data: `flask demo load` refuses a database with real enterprises, production
refuses to start on one with synthetic enterprises, and a release says how many members are synthetic only where
no real enterprise is."""

from __future__ import annotations

import secrets

import pytest
from sqlmodel import select

from app import ConfigurationError, create_app
from factories import on_demo_population, publish_in
from storage.tables import CohortStat


def test_demo_data_is_not_loaded_beside_real_enterprises(app, runner, survey, example_answers):
    token = survey.start()  # a real enterprise
    survey.answer_all(token, example_answers)
    result = runner.invoke(args=["demo", "load", "--count", "5"])
    assert result.exit_code == 1 and "holds 1 real enterprises" in result.output
    assert "demo data is never loaded beside real data" in result.output


@on_demo_population(30, seed=5)
def test_production_refuses_a_database_with_demo_data(database_url, catalog):
    with pytest.raises(ConfigurationError, match="synthetic demo enterprises"):
        create_app({"SECRET_KEY": secrets.token_urlsafe(48), "DATABASE_URL": database_url,
                    "QUESTIONNAIRE_CATALOG": catalog}, production=True)
    # the same database in development: the demo runs
    development = create_app({"SECRET_KEY": secrets.token_urlsafe(48), "DATABASE_URL": database_url,
                              "QUESTIONNAIRE_CATALOG": catalog})
    assert development.test_client().get("/").status_code == 200
    development.extensions["db_engine"].dispose()


@on_demo_population(30, seed=5)
def test_synthetic_counts_show_only_where_no_real_enterprise_is(app, db, survey, example_answers):
    demo_only = publish_in(app)
    counts = db.exec(select(CohortStat.synthetic).where(CohortStat.release_id == demo_only.id)).all()
    assert max(counts) > 0  # a demo instance says its groups are synthetic
    token = survey.start()
    survey.answer_all(token, example_answers)
    survey.submit(token)
    with_real = publish_in(app)
    counts = db.exec(select(CohortStat.synthetic).where(CohortStat.release_id == with_real.id)).all()
    assert counts and max(counts) == 0
