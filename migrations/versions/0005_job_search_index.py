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
    # Every board filter beside each sort key, so pages are read in order from an index and never
    # from the big rows; `id` right after the sort key lets the index give the whole order.
    "CREATE INDEX IF NOT EXISTS ix_job_posting_board_filters ON job_posting (closed_at, posted_at, id, "
    "remote, employment_type, is_flagged, hourly_min_usd, countries, task_types)",
    "CREATE INDEX IF NOT EXISTS ix_job_posting_board_pay ON job_posting (hourly_min_usd, posted_at, id, "
    "closed_at, remote, employment_type, is_flagged, countries, task_types) WHERE closed_at IS NULL",
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
    "DROP INDEX IF EXISTS ix_job_posting_board_pay",
)
POSTGRES_UPGRADE = (
    "ALTER TABLE job_posting ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', company), 'B') || "
    "setweight(to_tsvector('english', location), 'C') || "
    "setweight(to_tsvector('english', description_text), 'D')) STORED",
    # Kept in the row rather than in TOAST: walking newest first tests the vector of each row.
    "ALTER TABLE job_posting ALTER COLUMN search_vector SET STORAGE MAIN",
    "CREATE INDEX ix_job_posting_search_vector ON job_posting USING gin (search_vector)",
    # Each sort order with every board filter column, for index-only pages read in order.
    "CREATE INDEX ix_job_posting_board_filters ON job_posting (posted_at DESC NULLS LAST, id DESC) "
    "INCLUDE (closed_at, remote, employment_type, is_flagged, hourly_min_usd, countries, task_types)",
    "CREATE INDEX ix_job_posting_board_pay ON job_posting (hourly_min_usd DESC NULLS LAST, "
    "posted_at DESC NULLS LAST, id DESC) INCLUDE (closed_at, remote, employment_type, is_flagged, countries, "
    "task_types)",
    # Board queries stop after a few thousand index entries: starting parallel workers costs more
    # than it saves, and on a busy server it is most of a query's time.
    "ALTER TABLE job_posting SET (parallel_workers = 0)",
)
POSTGRES_DOWNGRADE = (
    "ALTER TABLE job_posting RESET (parallel_workers)",
    "DROP INDEX IF EXISTS ix_job_posting_board_pay",
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
