"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from portal.app import create_app
from portal.config import normalise_database_url
from portal.extensions import db
from tests.conftest import POSTGRES_URL


@pytest.fixture
def scratch_database_url(tmp_path):
    """An empty database: a new SQLite file, or a new database on the PostgreSQL server."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"portal_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalise_database_url(POSTGRES_URL).rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def include_object(obj, name, type_, reflected, compare_to):
    """The filter of migrations/env.py (which cannot be imported outside Alembic): the job search
    objects are raw DDL from migration 0005, not models."""
    if type_ == "table" and name and name.startswith("job_posting_fts"):
        return False
    if type_ == "index" and name in {"ix_job_posting_board_filters", "ix_job_posting_board_pay",
                                     "ix_job_posting_search_vector"}:
        return False
    return not (type_ == "column" and obj.table.name == "job_posting" and name == "search_vector")


@pytest.mark.db
def test_upgrade_matches_models_and_downgrade_empties(scratch_database_url):
    app = create_app({"SECRET_KEY": "k" * 40, "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": include_object})
            differences = compare_metadata(context, db.metadata)
            assert differences == [], f"models and migrations disagree: {differences}"
            assert {"user", "guide_read"} <= set(inspect(connection).get_table_names())
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
