"""SQLite connection settings: enforce foreign keys and let readers run beside a writer."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def _set_pragmas(dbapi_connection, connection_record):
    """Run on every new SQLite connection (PostgreSQL connections are left alone)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def init_app(app):
    """Listen once per process: the listener is global to SQLAlchemy engines."""
    if not event.contains(Engine, "connect", _set_pragmas):
        event.listen(Engine, "connect", _set_pragmas)
