"""Shared fixtures: an app on a fresh, migrated database per test (SQLite, or PostgreSQL when
IMREADY_TEST_DATABASE_URL is set), its client and CLI runner, demo populations loaded once per session and copied
for each test that asks, and small action helpers."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import ExitStack
from typing import NamedTuple

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from factories import EXAMPLES, K, SurveyActions, database_copy, make_app, shipped_catalog
from storage import reference_data
from storage.db import make_engine, upgrade


@pytest.fixture(scope="session")
def catalog():
    """The shipped questionnaires, loaded once for the session: every test app (make_app) serves this catalog."""
    return shipped_catalog()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A database migrated to the newest revision once per session, copied for every test."""
    server_url = os.environ.get("IMREADY_TEST_DATABASE_URL")
    if not server_url:
        path = tmp_path_factory.mktemp("template") / "template.db"
        upgrade(f"sqlite:///{path}")
        yield ("sqlite", path)
        return
    name = f"imready_template_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(make_url(server_url).set(database=name).render_as_string(hide_password=False))
    yield ("postgresql", name)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(request, database_template, demo_population, tmp_path):
    """The URL of a fresh database, migrated, isolated from every other test: empty, or a copy of the demo
    population (count, seed) when parametrized with it (factories.on_demo_population)."""
    population = getattr(request, "param", None)
    template = database_template if population is None else demo_population(*population).template
    with database_copy(template, tmp_path) as (_copy, url):
        yield url


class Population(NamedTuple):
    """A demo population: the template database holding it, and the tokens of its assessments in the order made."""

    template: tuple
    tokens: tuple[str, ...]


def settle(template) -> None:
    """Fold an SQLite template's write-ahead log into its file, so that a copy of the file holds every row."""
    kind, path = template
    if kind == "sqlite":
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.close()


@pytest.fixture(scope="session")
def demo_population(database_template, tmp_path_factory, catalog):
    """demo_population(count, seed): `count` synthetic quick-check enterprises drawn with `seed` (storage.demo's
    load_demo, k = K) in a template database, loaded once per session for each (count, seed). It is never opened
    again, only copied: a test gets its own copy through `database_url` (factories.on_demo_population) or
    `make_demo_app`, a module's read-only fixture through factories.database_copy(population.template, folder)."""
    from storage.demo import load_demo

    populations: dict[tuple[int, int], Population] = {}
    with ExitStack() as stack:

        def population(count: int, seed: int) -> Population:
            if (count, seed) not in populations:
                folder = tmp_path_factory.mktemp("demo")
                template, url = stack.enter_context(database_copy(database_template, folder))
                engine = make_engine(url)
                try:
                    with Session(engine, expire_on_commit=False) as session:
                        tokens = load_demo(session=session, catalog=catalog, count=count, seed=seed,
                                           questionnaire_id="quick_check", k=K)  # fmt: skip
                finally:
                    engine.dispose()
                settle(template)
                populations[(count, seed)] = Population(template, tuple(tokens))
            return populations[(count, seed)]

        yield population


@pytest.fixture
def make_demo_app(demo_population, tmp_path):
    """make_demo_app(count, seed, **config): the app for tests (factories.make_app, `config` on top) on this test's
    own copy of a demo population; where the `app` fixture's configuration will do, factories.on_demo_population."""
    with ExitStack() as stack:
        apps = []

        def build(count: int, seed: int, **config):
            _copy, url = stack.enter_context(database_copy(demo_population(count, seed).template, tmp_path))
            apps.append(make_app(url, tmp_path / f"instance-{len(apps)}", **config))
            return apps[-1]

        yield build
        for app in apps:
            app.extensions["db_engine"].dispose()


@pytest.fixture
def app(database_url, tmp_path):
    """The app, configured for tests, on its own database."""
    app = make_app(database_url, tmp_path / "instance")
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def queued_app(database_url, tmp_path):
    """The app with a real queue (not run at once), on this test's own database; the queue put back after
    (factories.drain runs what waits on it)."""
    from jobs.queue import queue

    app = make_app(database_url, tmp_path / "instance", QUEUE_IMMEDIATE=False)
    yield app
    queue.storage.close()
    queue.configure(None)
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture
def survey(client, app):
    """Respondent actions through the app's pages."""
    return SurveyActions(client, app)


@pytest.fixture
def example_answers():
    """The documented example answers of the quick check."""
    return json.loads((EXAMPLES / "quick_check_answers.json").read_text(encoding="utf-8"))


@pytest.fixture
def session(app):
    """A database session on the test's database, whose objects stay readable after a commit."""
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def db(session):
    """The test database's session, by the short name the statistics tests use."""
    return session


@pytest.fixture
def quick(catalog):
    """The shipped quick check (the one every test app serves)."""
    return catalog.get("quick_check")


@pytest.fixture
def reference_runner(app, runner):
    """The CLI runner, with `flask reference` registered."""
    if "reference" not in app.cli.commands:
        reference_data.init_app(app)
    return runner
