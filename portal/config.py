"""Settings from the environment, with defaults that run on one machine with no other service."""

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at the psycopg 3 driver, which is the one we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_or_create_secret_key(instance_path: Path) -> str:
    """Return the key stored under instance/, creating it once; O_EXCL makes racing workers agree."""
    key_file = instance_path / "secret_key"
    instance_path.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = key_file.read_text().strip()
        if len(key) < 32:
            raise RuntimeError(f"{key_file} holds a key shorter than 32 characters: delete it to regenerate")
        return key
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def settings_from_environment(instance_path: Path, secret_key: str | None = None) -> dict:
    """Build the config dict from environment variables; every value has a safe default.

    A caller that already has a key (tests) passes it, so no key file is written.
    """
    env = os.environ
    environment = env.get("PORTAL_ENV", "production")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'portal.sqlite3'}"
    secure_cookies = environment != "development"
    return {
        "PORTAL_ENV": environment,
        "SECRET_KEY": secret_key or env.get("SECRET_KEY") or load_or_create_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "CONTENT_DIR": Path(env.get("PORTAL_CONTENT_DIR", PROJECT_ROOT / "content")),
        "PORTAL_DEMO_DATA": env.get("PORTAL_DEMO_DATA", "1") != "0",
        "MAX_CONTENT_LENGTH": int(env.get("PORTAL_MAX_BODY_BYTES", 1024 * 1024)),
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or env.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("PORTAL_LOGIN_RATE_LIMIT", "10 per minute;60 per hour"),
        "PREFERRED_URL_SCHEME": "https" if secure_cookies else "http",
        "BEHIND_PROXY": env.get("PORTAL_BEHIND_PROXY", "0") == "1",
        "ASSESSMENT_ITEM_COUNT": int(env.get("PORTAL_ASSESSMENT_ITEMS", 10)),
        "ASSESSMENT_TIME_LIMIT_SECONDS": int(env.get("PORTAL_ASSESSMENT_MINUTES", 30)) * 60,
        "ASSESSMENT_PASS_MARK": float(env.get("PORTAL_ASSESSMENT_PASS_MARK", 0.8)),
        "ASSESSMENT_COOLDOWN_SECONDS": int(env.get("PORTAL_ASSESSMENT_COOLDOWN_HOURS", 24)) * 3600,
        # Speed-test endpoints: transfers at once per process, and seconds before one is cut off.
        "SPEEDTEST_MAX_CONCURRENT": int(env.get("PORTAL_SPEEDTEST_MAX_CONCURRENT", 32)),
        "SPEEDTEST_MAX_SECONDS": float(env.get("PORTAL_SPEEDTEST_MAX_SECONDS", 30)),
        # Offer "run speedtest-cli from this computer" to loopback visitors (the portal on their own machine).
        "SETUP_SERVER_TEST": env.get("PORTAL_SETUP_SERVER_TEST",
                                     "1" if environment == "development" else "0") == "1",
        # Where that test measures: empty for speedtest.net, or a portal's address; and its time limit.
        "SETUP_SERVER_TEST_TARGET": env.get("PORTAL_SETUP_SERVER_TEST_TARGET", ""),
        "SETUP_SERVER_TEST_TIMEOUT": float(env.get("PORTAL_SETUP_SERVER_TEST_TIMEOUT", 90)),
    }
