"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal.app import create_app
from portal.extensions import db


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
