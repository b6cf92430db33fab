"""job board search: SQLite FTS5 table with sync triggers and filter index; PostgreSQL tsvector + GIN

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 04:30:00.000000

The same statements as portal/jobs/search.py attaches to `db.create_all()`, repeated here because
migrations never import application code. Compare metadata ignores these objects (migrations/env.py).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

FTS = "job_posting_fts"
SQLITE_UPGRADE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5("
    "title, company, location, description_text, content='job_posting', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE INDEX IF NOT EXISTS ix_job_posting_board_filters ON job_posting (closed_at, posted_at, remote, "
    "employment_type, is_flagged, hourly_min_usd, countries, task_types)",
    f"CREATE TRIGGER IF NOT EXISTS job_posting_fts_insert AFTER INSERT ON job_posting BEGIN "
    f"INSERT INTO {FTS}(rowid, title, company, location, description_text) "
    "VALUES (new.id, new.title, new.company, new.location, new.description_text); END",
    f"CREATE TRIGGER IF NOT EXISTS job_posting_fts_delete AFTER DELETE ON job_posting BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, title, company, location, description_text) "
    "VALUES ('delete', old.id, old.title, old.company, old.location, old.description_text); END",
    f"CREATE TRIGGER IF NOT EXISTS job_posting_fts_update AFTER UPDATE OF title, company, location, "
    f"description_text ON job_posting BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, title, company, location, description_text) "
    "VALUES ('delete', old.id, old.title, old.company, old.location, old.description_text); "
    f"INSERT INTO {FTS}(rowid, title, company, location, description_text) "
    "VALUES (new.id, new.title, new.company, new.location, new.description_text); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",  # index the postings already stored
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS job_posting_fts_insert",
    "DROP TRIGGER IF EXISTS job_posting_fts_delete",
    "DROP TRIGGER IF EXISTS job_posting_fts_update",
    f"DROP TABLE IF EXISTS {FTS}",
    "DROP INDEX IF EXISTS ix_job_posting_board_filters",
)
POSTGRES_UPGRADE = (
    "ALTER TABLE job_posting ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', company), 'B') || "
    "setweight(to_tsvector('english', location), 'C') || "
    "setweight(to_tsvector('english', description_text), 'D')) STORED",
    "CREATE INDEX ix_job_posting_search_vector ON job_posting USING gin (search_vector)",
    # The board's filter columns beside the open/newest key, for index-only counts and pages.
    "CREATE INDEX ix_job_posting_board_filters ON job_posting (closed_at, posted_at) INCLUDE (remote, "
    "employment_type, is_flagged, hourly_min_usd, countries, task_types)",
)
POSTGRES_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_job_posting_board_filters",
    "DROP INDEX IF EXISTS ix_job_posting_search_vector",
    "ALTER TABLE job_posting DROP COLUMN IF EXISTS search_vector",
)


def _run(statements_by_dialect):
    for statement in statements_by_dialect.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def upgrade():
    _run({"sqlite": SQLITE_UPGRADE, "postgresql": POSTGRES_UPGRADE})


def downgrade():
    _run({"sqlite": SQLITE_DOWNGRADE, "postgresql": POSTGRES_DOWNGRADE})
