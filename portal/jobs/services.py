"""Job-board operations for pages and API alike: postings, saved jobs, saved searches, sources.

Ingest is the only writer of postings and sources; this module writes only what users own.
"""

import secrets
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, select

from portal.db_types import utcnow
from portal.extensions import db
from portal.jobs.models import JobPosting, JobSource, SavedJob, SavedSearch
from portal.jobs.search import JobQuery, QueryError, parse_job_query, search_postings
from portal.jobs.sources.registry import UnknownSourceKind, get_source_kind
from portal.practice.catalog import TASK_TYPES

FEED_ENTRIES = 50
MAX_SAVED_SEARCHES = 50
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "INR": "₹", "JPY": "¥"}
PERIOD_WORDS = {"hour": "hour", "day": "day", "week": "week", "month": "month", "year": "year"}


class SavedSearchLimit(Exception):
    """The user already keeps the maximum number of saved searches."""


def get_posting(posting_id: int) -> JobPosting | None:
    """A posting by id, open or closed (saved jobs may point at closed ones)."""
    return db.session.get(JobPosting, posting_id)


def demo_snapshot_shown() -> bool:
    """Whether the board currently lists bundled sample postings."""
    return db.session.scalar(select(JobPosting.id).where(JobPosting.is_sample.is_(True),
                                                         JobPosting.closed_at.is_(None)).limit(1)) is not None


def _amount(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.2f}"


def pay_label(posting: JobPosting) -> str | None:
    """'$15–25 / hour', 'from $40,000 / year' or 'up to €20 / hour'; None without pay."""
    if posting.pay_min is None and posting.pay_max is None:
        return None
    currency = posting.pay_currency or ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    prefix, suffix = (symbol, "") if symbol else ("", f" {currency}" if currency else "")
    low, high = posting.pay_min, posting.pay_max
    if low is not None and high is not None and low != high:
        amount = f"{prefix}{_amount(low)}–{_amount(high)}{suffix}"
    elif low is not None:
        amount = f"{prefix}{_amount(low)}{suffix}" if high is not None else f"from {prefix}{_amount(low)}{suffix}"
    else:
        amount = f"up to {prefix}{_amount(high)}{suffix}"
    period = PERIOD_WORDS.get(posting.pay_period or "")
    return f"{amount} / {period}" if period else amount


def age_label(moment: datetime | None, now: datetime | None = None) -> str | None:
    """'today', 'yesterday', '3 days ago', '2 weeks ago', '5 months ago'."""
    if moment is None:
        return None
    days = max(0, ((now or utcnow()) - moment).days)
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def task_infos(slugs: list[str] | None) -> list:
    """The known task types among these slugs, in catalogue order (unknown slugs are dropped)."""
    return [info for slug, info in TASK_TYPES.items() if slug in (slugs or [])]


# Saved jobs: always scoped to their owner.

def saved_posting_ids(user_id: int, posting_ids: list[int]) -> set[int]:
    """Which of these postings the user has saved (one query for a whole page of cards)."""
    if not posting_ids:
        return set()
    return set(db.session.scalars(select(SavedJob.posting_id).where(
        SavedJob.user_id == user_id, SavedJob.posting_id.in_(posting_ids))))


def save_job(user_id: int, posting_id: int) -> bool:
    """Keep a posting for the user; saving twice is harmless. False for an unknown posting."""
    if get_posting(posting_id) is None:
        return False
    if not saved_posting_ids(user_id, [posting_id]):
        db.session.add(SavedJob(user_id=user_id, posting_id=posting_id))
        db.session.commit()
    return True


def unsave_job(user_id: int, posting_id: int) -> None:
    """Forget a saved posting (only the user's own row is touched)."""
    db.session.execute(delete(SavedJob).where(SavedJob.user_id == user_id, SavedJob.posting_id == posting_id))
    db.session.commit()


def saved_jobs(user_id: int) -> list[JobPosting]:
    """The user's saved postings, most recently saved first."""
    return list(db.session.scalars(
        select(JobPosting).join(SavedJob, SavedJob.posting_id == JobPosting.id)
        .where(SavedJob.user_id == user_id).order_by(SavedJob.saved_at.desc(), SavedJob.id.desc())))


# Saved searches: owned by one user; the feed token is the only public handle.

def saved_searches(user_id: int) -> list[SavedSearch]:
    """The user's saved searches, newest first."""
    return list(db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user_id)
                                   .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())))


def create_saved_search(user_id: int, name: str, query: JobQuery) -> SavedSearch:
    """Store the board filters (page dropped) under a name, with a fresh unguessable feed token."""
    count = db.session.scalar(select(db.func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user_id))
    if count >= MAX_SAVED_SEARCHES:
        raise SavedSearchLimit(f"you can keep up to {MAX_SAVED_SEARCHES} saved searches; delete one first")
    saved = SavedSearch(user_id=user_id, name=name.strip(), params=query.with_page(1).as_params(),
                        feed_token=secrets.token_urlsafe(32))
    db.session.add(saved)
    db.session.commit()
    return saved


def delete_saved_search(user_id: int, search_id: int) -> bool:
    """Delete one of the user's saved searches; False when it is not theirs or does not exist."""
    result = db.session.execute(delete(SavedSearch).where(SavedSearch.id == search_id,
                                                          SavedSearch.user_id == user_id))
    db.session.commit()
    return result.rowcount > 0


def saved_search_by_token(token: str) -> SavedSearch | None:
    """The saved search behind a feed token, or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(SavedSearch).where(SavedSearch.feed_token == token))


def saved_search_query(saved: SavedSearch) -> JobQuery:
    """The stored filters as a query; filters no longer valid are dropped rather than failing the feed."""
    params = dict(saved.params or {})
    while True:
        try:
            return parse_job_query(params)
        except QueryError as error:
            if error.field not in params:
                raise
            params.pop(error.field)


def feed_postings(saved: SavedSearch) -> list[JobPosting]:
    """The newest open postings matching a saved search, for its feed."""
    query = saved_search_query(saved)
    query = replace(query, sort="newest", include_closed=False, page=1)
    return search_postings(query, per_page=FEED_ENTRIES).postings


def link_host(url: str) -> str:
    """The host a listing link goes to ("job-boards.greenhouse.io"), or the URL itself if it has none."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return host.removeprefix("www.") if host else url


def source_kind_title(kind: str | None) -> str:
    """A source kind as readers know it ("Greenhouse job board API"); unknown kinds as they are."""
    try:
        return get_source_kind(kind).title if kind else "Job source"
    except UnknownSourceKind:
        return kind


def source_kinds(names: list[str]) -> dict[str, str]:
    """Each named source's kind (e.g. 'remotive', whose listings must credit it)."""
    if not names:
        return {}
    return dict(db.session.execute(select(JobSource.name, JobSource.kind).where(JobSource.name.in_(names))).all())


def job_sources() -> list[JobSource]:
    """Every configured source with its last run, for the admin view."""
    return list(db.session.scalars(select(JobSource).order_by(JobSource.name)))
