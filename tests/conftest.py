"""Shared fixtures: an app on a fresh, migrated database per test (SQLite, or PostgreSQL when
IMREADY_TEST_DATABASE_URL is set), its client and CLI runner, and small action helpers."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from app import create_app
from factories import EXAMPLES, ROOT, SurveyActions
from storage import reference_data
from storage.db import upgrade


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


def fresh_database(database_template, folder: Path):
    """Yield the URL of a fresh copy of the migrated template database, and drop it afterwards."""
    kind, template = database_template
    if kind == "sqlite":
        path = folder / f"imready-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    server_url = os.environ["IMREADY_TEST_DATABASE_URL"]
    name = f"imready_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(database_template, tmp_path):
    """The URL of a fresh database, migrated, isolated from every other test."""
    yield from fresh_database(database_template, tmp_path)


@pytest.fixture(scope="module")
def module_database_url(database_template, tmp_path_factory):
    """A fresh database shared by the tests of one module, for data they read but do not change."""
    yield from fresh_database(database_template, tmp_path_factory.mktemp("module"))


@pytest.fixture
def app(database_url, tmp_path):
    """The app, configured for tests, on its own database."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url,
                      "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires")})
    app.instance_path = str(tmp_path / "instance")
    yield app
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
def quick(app):
    """The shipped quick check."""
    return app.extensions["questionnaires"].get("quick_check")


@pytest.fixture
def reference_runner(app, runner):
    """The CLI runner, with `flask reference` registered."""
    if "reference" not in app.cli.commands:
        reference_data.init_app(app)
    return runner
