"""The schema: migrations create exactly the tables the models describe; the app refuses bad questionnaires."""

from __future__ import annotations

import shutil

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (the tables)
from app import create_app
from factories import ROOT
from questionnaires.loader import QuestionnaireError


def test_migrations_match_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_app_refuses_to_start_on_a_malformed_questionnaire(tmp_path, database_url):
    shutil.copy(ROOT / "questionnaires" / "quick_check.yaml", tmp_path)
    broken = (ROOT / "tests" / "data" / "mini.yaml").read_text(encoding="utf-8").replace("estimated_minutes: 2", "")
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        create_app({"TESTING": True, "DATABASE_URL": database_url, "QUESTIONNAIRE_DIR": str(tmp_path)})
    assert str(tmp_path / "broken.yaml") in str(caught.value)
    assert "estimated_minutes: Field required" in str(caught.value)


