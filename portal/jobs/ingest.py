"""Refresh the job board: fetch each source, parse, normalise, filter, flag, match and store.

The only writer of job sources, postings and their source links. One refresh runs at a time (a
lock row); each source is one transaction, so a failure mid-source leaves its previous data intact
and never stops the other sources. To keep 100 000 postings fast, lookups are batched per source,
a big source's listings are prepared (normalised, filtered, flagged) in worker processes while this
process stores the source before it, and PostgreSQL receives new rows through COPY.

Matching a fetched listing to a stored posting, most certain first: the same (source, id) link;
the same canonical URL on any link; the same fingerprint (company + title + location) on exactly
one open posting; a near-identical description on exactly one open posting of the same company.
Fingerprint and description matches never join a posting the same source already lists (the source
says they are different), and an uncertain match (several candidates) stays a separate posting.
"""

import dataclasses
import hashlib
import logging
import multiprocessing
import os
import secrets
import socket
import tomllib
from collections import defaultdict, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal.config import PROJECT_ROOT
from portal.db_types import utcnow
from portal.extensions import db
from portal.jobs import dedup
from portal.jobs.config import SOURCE_NAME, SourcesConfigError
from portal.jobs.fetch import HostPacer, fetch
from portal.jobs.flags import scam_flags
from portal.jobs.models import JobPosting, JobPostingSource, JobRefreshLock, JobSource
from portal.jobs.normalise import FIELD_LIMITS, clean_line, hourly_equivalent_usd, normalise
from portal.jobs.posting import FeedFormatError, Flag, Posting, SourceConfig
from portal.jobs.relevance import description_decision, load_rules, title_decision
from portal.jobs.sources.registry import UnknownSourceKind, get_source_kind

log = logging.getLogger(__name__)

LOCK_NAME = "jobs-refresh"
LOCK_TTL = timedelta(minutes=30)  # a lock older than this (a crashed refresh) may be taken over
DEMO_DIR = PROJECT_ROOT / "content" / "jobs" / "demo"
LOOKUP_CHUNK = 500  # ids or keys per IN (...) list
SIMILARITY_CANDIDATES_PER_COMPANY = 50  # the most recently seen open postings compared by description
MAX_SKIP_REASONS = 20  # reasons kept per source in the report
URL_LIMIT = 2000  # the width of the URL columns
EXTERNAL_ID_LIMIT = 300
PAY_PERIOD_LIMIT = 8
# Normalising, filtering and flagging cost about 0.3 ms of CPU a listing, more than storing it, so a
# big source spreads that work over worker processes; below this many listings the hand-over
# (pickling both ways, about 30 us a listing) and the pool's start are not worth it.
PARALLEL_MIN_LISTINGS = 500
PARALLEL_CHUNK = 250  # listings per task: big enough to amortise a hand-over, small enough to balance
PIPELINE_DEPTH = 1  # sources started (fetched, parsed, being prepared) ahead of the one being stored
# PostgreSQL plans the matching lookups from table statistics. Without them (autovacuum off, or
# not yet run: it only analyses between transactions, a minute apart) a lookup of 500 URLs or
# fingerprints is planned as a scan of the whole table, so a first load of 100 000 postings grew
# quadratically. Ingest therefore analyses the tables itself once they have grown by half.
ANALYZE_MIN_ROWS = 1000
ANALYZE_GROWTH = 0.5

POSTINGS = JobPosting.__table__
LINKS = JobPostingSource.__table__
LOCKS = JobRefreshLock.__table__
# Columns a listing sets; first_seen_at, is_sample and the id are set once, on insert.
CONTENT_COLUMNS = ("title", "company", "company_key", "fingerprint", "location", "countries", "remote",
                   "employment_type", "pay_min", "pay_max", "pay_currency", "pay_period", "pay_source",
                   "hourly_min_usd", "posted_at", "expires_at", "apply_url", "description_html",
                   "description_text", "languages", "task_types", "flags", "is_flagged")
PAY_COLUMNS = ("pay_min", "pay_max", "pay_currency", "pay_period", "pay_source", "hourly_min_usd")
# What a second source may add to a posting another source created: only what is missing.
FILLABLE_COLUMNS = ("location", "countries", "employment_type", "expires_at", "description_html",
                    "description_text", "languages", "task_types")


class RefreshLocked(Exception):
    """Another refresh holds the lock; the message says since when and who."""


class UnknownSource(LookupError):
    """`only` named a source that is not configured."""


@dataclass
class SourceReport:
    """What one source's refresh did; `status` is ok, not_modified, too_soon, failed or disabled."""

    name: str
    kind: str
    status: str = "ok"
    fetched: int = 0
    new: int = 0
    updated: int = 0
    merged: int = 0  # listings joined to a posting another source already had
    closed: int = 0
    skipped: int = 0
    error: str | None = None
    skip_reasons: list[str] = field(default_factory=list)

    def counts(self) -> dict:
        """The counts stored on the source row for the admin view."""
        return {"fetched": self.fetched, "new": self.new, "updated": self.updated, "merged": self.merged,
                "closed": self.closed, "skipped": self.skipped}

    def skip(self, what: str, why: str) -> None:
        """Count one skipped listing, keeping the first few reasons."""
        self.skipped += 1
        if len(self.skip_reasons) < MAX_SKIP_REASONS:
            self.skip_reasons.append(f"{what}: {why}")


@dataclass
class RefreshReport:
    """The whole refresh: one report per source, or why it did not run."""

    sources: list[SourceReport] = field(default_factory=list)
    locked: str | None = None  # "another refresh is running (since ...)" when it did not run
    expired: int = 0  # open postings closed because their closing date passed

    @property
    def failed(self) -> list[SourceReport]:
        """The sources that failed."""
        return [report for report in self.sources if report.status == "failed"]


@dataclass
class _Listing:
    """One normalised listing ready to store: its link identity and its posting column values."""

    external_id: str
    url: str
    canonical_url: str
    posting: Posting
    values: dict


def refresh(sources: list[SourceConfig], *, only: str | None = None, demo: bool = False,
            progress: Callable[[SourceReport], None] | None = None, pacer: HostPacer | None = None,
            fetch_options: dict | None = None) -> RefreshReport:
    """Refresh every enabled source (or just `only`), each in its own transaction, under the lock."""
    chosen = [source for source in sources if only is None or source.name == only]
    if only is not None and not chosen:
        known = ", ".join(source.name for source in sources) or "none"
        raise UnknownSource(f"no source named '{only}' is configured; configured: {known}")
    rules = load_rules()  # a broken rules file stops here, before the lock is taken
    report = RefreshReport()
    db.session.rollback()  # start the lock's transaction clean
    try:
        holder = _acquire_lock()
    except RefreshLocked as locked:
        report.locked = str(locked)
        return report
    context = _Context(holder=holder, demo=demo, rules=rules, pacer=pacer or HostPacer(),
                       fetch_options=fetch_options or {})
    try:
        if demo:
            context.date_shift = _demo_date_shift(chosen)
        pending: deque[_Started] = deque()  # started, not yet finished, in order

        def finish_oldest() -> None:
            source_report = _finish_source(pending.popleft(), context)
            report.sources.append(source_report)
            _analyze_if_grown(context, source_report)
            if progress is not None:
                progress(source_report)

        for source in chosen:
            pending.append(_start_source(source, context))
            if len(pending) > PIPELINE_DEPTH:
                finish_oldest()
            if context.lock_lost:
                break
        while pending and not context.lock_lost:
            finish_oldest()
        if not context.lock_lost:
            report.expired = _close_expired()
    finally:
        if context.pool is not None:
            context.pool.shutdown(cancel_futures=True)
        _release_lock(holder)
    return report


@dataclass
class _Context:
    """What every source of one refresh shares: the lock holder, the rules, the pacer, the demo shift."""

    holder: str
    demo: bool
    rules: object
    pacer: HostPacer
    fetch_options: dict
    date_shift: timedelta = timedelta(0)
    lock_lost: bool = False
    pool: ProcessPoolExecutor | None = None  # started by the first source big enough to use it
    parallel: bool = True  # False once the pool broke: the rest of the refresh prepares in-process
    rows_at_analyze: int | None = None  # PostgreSQL: job_posting_source rows when last analysed
    rows_since_analyze: int = 0

    def worker_pool(self) -> ProcessPoolExecutor | None:
        """The refresh's worker processes for preparing listings, or None on a single-core machine."""
        if self.pool is None and self.parallel and _usable_cores() > 1:
            # spawn, not fork: forking a process that runs threads (servers, tests) can deadlock
            self.pool = ProcessPoolExecutor(max_workers=_usable_cores(), initializer=_set_worker_rules,
                                            initargs=(self.rules,), mp_context=multiprocessing.get_context("spawn"))
        return self.pool


def _usable_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _analyze_if_grown(context: _Context, report: SourceReport) -> None:
    """PostgreSQL: refresh the job tables' planner statistics once this refresh has grown them by half."""
    if db.session.get_bind().dialect.name != "postgresql" or report.status != "ok":
        return
    if context.rows_at_analyze is None:
        # The estimate of the last ANALYZE or VACUUM, -1 if never: rows stored since are not in it.
        estimate = db.session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'job_posting_source'::regclass"))
        context.rows_at_analyze = max(0, int(estimate.scalar_one()))
    context.rows_since_analyze += report.new + report.merged
    if context.rows_since_analyze < max(ANALYZE_MIN_ROWS, ANALYZE_GROWTH * context.rows_at_analyze):
        return
    db.session.commit()
    db.session.execute(text("ANALYZE job_posting, job_posting_source"))
    db.session.commit()
    context.rows_at_analyze += context.rows_since_analyze
    context.rows_since_analyze = 0


# --- the lock ---------------------------------------------------------------------------------------

def _acquire_lock() -> str:
    """Insert the lock row (taking over a stale one); RefreshLocked when another refresh holds it."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:120]
    for _ in range(3):
        now = utcnow()
        try:
            db.session.execute(insert(LOCKS).values(name=LOCK_NAME, holder=holder, acquired_at=now,
                                                    expires_at=now + LOCK_TTL))
            db.session.commit()
            return holder
        except IntegrityError:
            db.session.rollback()
        current = db.session.execute(select(LOCKS.c.holder, LOCKS.c.acquired_at, LOCKS.c.expires_at)
                                     .where(LOCKS.c.name == LOCK_NAME)).first()
        if current is None:
            db.session.rollback()
            continue  # released between our insert and our look
        if current.expires_at > now:
            db.session.rollback()
            raise RefreshLocked(f"another refresh is running (since {current.acquired_at:%Y-%m-%d %H:%M:%S} UTC, "
                                f"held by {current.holder})")
        log.warning("taking over the stale job refresh lock held by %s since %s", current.holder,
                    current.acquired_at)
        db.session.execute(delete(LOCKS).where(LOCKS.c.name == LOCK_NAME, LOCKS.c.holder == current.holder,
                                               LOCKS.c.expires_at == current.expires_at))
        db.session.commit()
    raise RefreshLocked("another refresh is running (the lock changed hands while we waited)")


def _extend_lock(holder: str) -> bool:
    """Push the lock's expiry forward inside the current transaction; False if it is no longer ours."""
    result = db.session.execute(update(LOCKS).where(LOCKS.c.name == LOCK_NAME, LOCKS.c.holder == holder)
                                .values(expires_at=utcnow() + LOCK_TTL))
    return result.rowcount == 1


def _release_lock(holder: str) -> None:
    """Delete our lock row, whatever state the session is in."""
    db.session.rollback()
    db.session.execute(delete(LOCKS).where(LOCKS.c.name == LOCK_NAME, LOCKS.c.holder == holder))
    db.session.commit()


# --- one source, in two stages ------------------------------------------------------------------------
#
# A source is *started* (fetched, parsed, its listings handed to the worker processes) and later
# *finished* (its prepared listings matched and stored in one transaction). The refresh starts the
# next source before finishing the current one, so the workers prepare one source while this
# process stores another; reports, failures and commits still happen one source at a time, in order.


@dataclass
class _SourceState:
    """What the last refresh stored about a source that the next fetch needs."""

    etag: str | None = None
    last_modified: str | None = None
    last_success_at: datetime | None = None


@dataclass
class _Started:
    """A source between its stages: fetched and parsed, its listings being prepared, nothing stored yet."""

    source: SourceConfig
    report: SourceReport
    now: datetime
    error: Exception | None = None  # why it failed while starting; reported when it is finished
    etag: str | None = None
    last_modified: str | None = None
    postings: list[Posting] = field(default_factory=list)
    prepared: list | None = None  # the listings prepared in this process (a small source)
    preparing: list[Future] = field(default_factory=list)  # or their chunks in the workers


def _start_source(source: SourceConfig, context: _Context) -> _Started:
    """Fetch and parse one source and hand its listings to the workers; never raises."""
    started = _Started(source, SourceReport(source.name, source.kind), utcnow())
    if not source.enabled:
        started.report.status = "disabled"
        return started
    try:
        kind = get_source_kind(source.kind)
    except UnknownSourceKind as error:
        started.error = _SourceFailed(str(error))
        return started
    try:
        state = _source_state(source)
        if not context.demo and _too_soon(kind.min_refresh_interval, state.last_success_at, started.now):
            started.report.status = "too_soon"  # the provider asks for fewer requests; its postings stay
            return started
        if context.demo:
            body = _read_demo_file(source)
        else:
            result = fetch(source.url, accept=kind.accept, etag=state.etag, last_modified=state.last_modified,
                           pacer=context.pacer, **context.fetch_options)
            if result.error:
                raise _SourceFailed(result.error)
            if result.not_modified:
                started.report.status = "not_modified"
                return started
            body, started.etag, started.last_modified = result.body, result.etag, result.last_modified
        parsed = kind.parse(body, source)
    except Exception as error:  # reported in order when the source is finished
        if isinstance(error, SQLAlchemyError):
            db.session.rollback()  # no source has writes pending while another starts, so nothing is lost
        if not isinstance(error, (_SourceFailed, FeedFormatError)):
            log.exception("job source %s failed", source.name)
        started.error = error
        return started
    started.report.fetched = len(parsed.postings) + len(parsed.skipped)
    for what, why in parsed.skipped:
        started.report.skip(what, why)
    started.postings = parsed.postings
    _submit_preparation(started, context)
    return started


def _source_state(source: SourceConfig) -> _SourceState:
    """The stored validators and last success of a source, read without changing anything."""
    row = db.session.execute(select(JobSource.kind, JobSource.url, JobSource.etag, JobSource.last_modified,
                                    JobSource.last_success_at).filter_by(name=source.name)).first()
    if row is None:
        return _SourceState()
    if not _same_endpoint(row, source):  # validators of another endpoint mean nothing here
        return _SourceState(last_success_at=row.last_success_at)
    return _SourceState(row.etag, row.last_modified, row.last_success_at)


def _finish_source(started: _Started, context: _Context) -> SourceReport:
    """Store a started source in one transaction; any error rolls it back and is reported, not raised."""
    source, report = started.source, started.report
    if report.status in ("disabled", "too_soon"):
        return report
    try:
        if started.error is not None:
            raise started.error
        row = _source_row(source)
        if report.status == "ok":
            listings = _prepared_listings(started, context)
            _store_listings(source.name, listings, started.now, context.demo, report)
            row.etag, row.last_modified = (started.etag or None), (started.last_modified or None)
            row.last_counts = report.counts()
            row.last_skip_reasons = report.skip_reasons
        row.last_run_at = row.last_success_at = started.now
        row.last_status, row.last_error = report.status, None
        _commit_source(context)
    except Exception as error:  # one broken source must never stop the others
        db.session.rollback()
        if error is not started.error and not isinstance(error, _SourceFailed):
            log.exception("job source %s failed", source.name)
        reason = _failure_reason(error)
        report = SourceReport(source.name, source.kind, status="failed", error=reason)
        _record_failure(source, reason)
    return report


def _too_soon(interval: timedelta, last_success_at: datetime | None, now: datetime) -> bool:
    """Whether the provider's own minimum interval between fetches has not passed yet."""
    return bool(interval) and last_success_at is not None and now - last_success_at < interval


def _failure_reason(error: Exception) -> str:
    if isinstance(error, _SourceFailed):
        return str(error)
    if isinstance(error, FeedFormatError):
        return f"unreadable response: {error}"
    return f"internal error ({type(error).__name__}: {error}); see the log"


class _SourceFailed(Exception):
    """The source could not be read (fetch failed, unknown kind); the message is the reason."""


def _record_failure(source: SourceConfig, reason: str) -> None:
    """Note the failure on the source row in its own small transaction; postings stay as they were."""
    try:
        row = _source_row(source)
        row.last_run_at = utcnow()
        row.last_status = "failed"
        row.last_error = reason[:2000]
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not record the failure of job source %s", source.name)


def _commit_source(context: _Context) -> None:
    """Commit the source's transaction only while we still hold the lock."""
    if not _extend_lock(context.holder):
        db.session.rollback()
        context.lock_lost = True
        raise _SourceFailed("the refresh lock was taken over (this refresh ran past its expiry); nothing saved")
    db.session.commit()


def _same_endpoint(row, source: SourceConfig) -> bool:
    """Whether a stored source row still describes the configured endpoint (its URL as stored, cut to the column)."""
    return row.url == source.url[:URL_LIMIT] and row.kind == source.kind


def _source_row(source: SourceConfig) -> JobSource:
    """The source's row, created or brought in line with the configuration."""
    row = db.session.execute(select(JobSource).filter_by(name=source.name)).scalar_one_or_none()
    if row is None:
        row = JobSource(name=source.name, kind=source.kind, url=source.url, last_status="never")
        db.session.add(row)
    elif not _same_endpoint(row, source):
        row.etag = row.last_modified = None  # validators of another endpoint mean nothing here
    row.kind, row.url, row.company, row.enabled = source.kind, source.url[:URL_LIMIT], source.company, source.enabled
    return row


# --- preparing listings ----------------------------------------------------------------------------

def _submit_preparation(started: _Started, context: _Context) -> None:
    """Prepare a big source's listings in the worker processes, in chunks; a small one here and now."""
    postings = started.postings
    if len(postings) >= PARALLEL_MIN_LISTINGS:
        try:
            pool = context.worker_pool()
            if pool is not None:
                started.preparing = [pool.submit(_prepare_chunk, postings[start:start + PARALLEL_CHUNK],
                                                 context.date_shift, started.now)
                                     for start in range(0, len(postings), PARALLEL_CHUNK)]
                return
        except (BrokenProcessPool, OSError, RuntimeError):  # the workers cannot be started or reached
            log.exception("job refresh worker processes unavailable")
            _stop_workers(context, started.preparing)
            started.preparing = []
    started.prepared = [_prepare_listing(raw, context.rules, context.date_shift, started.now) for raw in postings]


def _prepared_listings(started: _Started, context: _Context) -> list[_Listing]:
    """The started source's prepared listings, in order; skipped ones are counted with the reason."""
    results = started.prepared
    if results is None:
        try:
            results = [result for future in started.preparing for result in future.result()]
        except BrokenProcessPool:  # a worker died (killed, out of memory): carry on without them
            _stop_workers(context, started.preparing)
            results = [_prepare_listing(raw, context.rules, context.date_shift, started.now)
                       for raw in started.postings]
    listings: list[_Listing] = []
    seen_ids: set[str] = set()
    for raw, (listing, problem) in zip(started.postings, results):
        what = f"{raw.external_id} {raw.title!r}"[:120]
        if problem:
            started.report.skip(what, problem)
        elif listing.external_id in seen_ids:
            started.report.skip(what, "listed twice in the same response")
        else:
            seen_ids.add(listing.external_id)
            listings.append(listing)
    return listings


def _stop_workers(context: _Context, futures: list[Future]) -> None:
    """Give up on the worker processes for the rest of the refresh; later sources prepare in-process."""
    if context.parallel:
        log.warning("job refresh worker processes stopped; preparing listings in this process")
    for future in futures:
        future.cancel()
    if context.pool is not None:
        context.pool.shutdown(wait=False, cancel_futures=True)
    context.parallel, context.pool = False, None


_worker_rules = None  # the relevance rules, sent once to each worker process


def _set_worker_rules(rules) -> None:
    """Keep the refresh's relevance rules in a worker process."""
    global _worker_rules
    _worker_rules = rules


def _prepare_chunk(postings: list[Posting], date_shift: timedelta,
                   now: datetime) -> list[tuple[_Listing | None, str | None]]:
    """_prepare_listing of each posting of a chunk, in a worker process."""
    return [_prepare_listing(raw, _worker_rules, date_shift, now) for raw in postings]


def _prepare_listing(raw: Posting, rules, date_shift: timedelta, now: datetime) -> tuple[_Listing | None, str | None]:
    """One parsed posting normalised, filtered and flagged: the listing, or why it is skipped."""
    try:
        # The title alone usually decides, before the costly normalising: most of an employer's
        # board (engineering, sales) is dropped here. The title is cleaned as normalise cleans it.
        decision = title_decision(clean_line(raw.title, FIELD_LIMITS["title"]), rules)
        if decision is not None and not decision.keep:
            return None, decision.reason
        posting = normalise(raw)
        if date_shift:
            posting = _shift_dates(posting, date_shift)
        if decision is None:
            decision = description_decision(posting, rules)
            if not decision.keep:
                return None, decision.reason
        return _listing_from(posting, now)
    except Exception as error:  # one odd listing must not sink the source
        log.exception("listing %s could not be processed", raw.external_id)
        return None, f"could not be processed ({type(error).__name__})"


def _listing_from(posting: Posting, now: datetime) -> tuple[_Listing | None, str | None]:
    """The listing's link identity and posting columns, or the reason it cannot be stored."""
    if not posting.title:
        return None, "no title"
    if not posting.company:
        return None, "no company name (set `company` for this source in the sources file)"
    if not posting.url or len(posting.url) > URL_LIMIT:
        return None, f"no usable URL (missing or longer than {URL_LIMIT} characters)"
    if posting.expires_at is not None and posting.expires_at <= now:
        return None, f"already closed (closing date {posting.expires_at:%Y-%m-%d})"
    external_id = str(posting.external_id)
    if len(external_id) > EXTERNAL_ID_LIMIT:
        external_id = "sha256:" + hashlib.sha256(external_id.encode("utf-8", "surrogatepass")).hexdigest()
    flags = _merge_flags(posting.flags, scam_flags(posting))
    pay = posting.pay
    # A date in the future (a wrong clock at the source) counts as unknown: first seen, or as stored.
    posted_at = posting.posted_at if posting.posted_at is None or posting.posted_at <= now else None
    values = {
        "title": posting.title,
        "company": posting.company,
        "company_key": dedup.company_key(posting.company),
        "fingerprint": dedup.fingerprint(posting.company, posting.title, posting.location),
        "location": posting.location,
        "countries": list(posting.countries),
        "remote": posting.remote,
        "employment_type": posting.employment_type,
        "pay_min": pay.min if pay else None,
        "pay_max": pay.max if pay else None,
        "pay_currency": pay.currency if pay and pay.currency and len(pay.currency) == 3 else None,
        "pay_period": pay.period if pay and len(pay.period or "") <= PAY_PERIOD_LIMIT else None,
        "pay_source": pay.source if pay else None,
        "hourly_min_usd": hourly_equivalent_usd(pay) if pay else None,
        "posted_at": posted_at,
        "expires_at": posting.expires_at,
        "apply_url": posting.url,
        "description_html": posting.description_html,
        "description_text": posting.description_text,
        "languages": list(posting.languages),
        "task_types": list(posting.task_types),
        "flags": flags,
        "is_flagged": bool(flags),
    }
    canonical = dedup.canonical_url(posting.url)[:URL_LIMIT] or posting.url
    return _Listing(external_id, posting.url, canonical, posting, values), None


def _merge_flags(*flag_lists: Iterable) -> list[dict]:
    """Flags as stored: [{"code", "message"}], one per code, in first-seen order."""
    merged: dict[str, dict] = {}
    for flags in flag_lists:
        for flag in flags or ():
            item = {"code": flag.code, "message": flag.message} if isinstance(flag, Flag) else dict(flag)
            merged.setdefault(item["code"], item)
    return list(merged.values())


def _shift_dates(posting: Posting, shift: timedelta) -> Posting:
    """Move the demo snapshot's dates forward so it looks as fresh as when it was recorded."""
    return dataclasses.replace(
        posting,
        posted_at=posting.posted_at + shift if posting.posted_at else None,
        expires_at=posting.expires_at + shift if posting.expires_at else None,
    )


# --- matching and storing -------------------------------------------------------------------------------

def _store_listings(source_name: str, listings: list[_Listing], now: datetime, is_sample: bool,
                    report: SourceReport) -> None:
    """Match every listing to a stored posting or create one; close what this source no longer lists."""
    links = {row.external_id: row for row in db.session.execute(
        select(LINKS.c.id, LINKS.c.external_id, LINKS.c.posting_id, LINKS.c.closed_at, LINKS.c.url)
        .where(LINKS.c.source_name == source_name))}
    known = [listing for listing in listings if listing.external_id in links]
    unknown = [listing for listing in listings if listing.external_id not in links]

    matched: dict[int, _Listing] = {links[listing.external_id].posting_id: listing for listing in known}
    taken = set(matched)  # postings that already stand for one of this source's listings
    merges = _match_unknown(source_name, unknown, taken, is_sample)
    new = [listing for listing in unknown if id(listing) not in merges]

    _update_postings(matched, merges, unknown, source_name, now, report)
    new_ids = _insert_postings(new, now, is_sample)
    report.new = len(new_ids)
    _insert_links(source_name, [(listing, posting_id) for listing, posting_id in zip(new, new_ids)]
                  + [(listing, merges[id(listing)]) for listing in unknown if id(listing) in merges], now)
    _touch_links(links, known, now)
    report.closed += _close_vanished(links, {listing.external_id for listing in listings}, now)


def _match_unknown(source_name: str, unknown: list[_Listing], taken: set[int], is_sample: bool) -> dict[int, int]:
    """For listings without a link yet: {id(listing): posting_id} of the postings they duplicate."""
    merges: dict[int, int] = {}
    if not unknown:
        return merges
    by_url = _postings_by_canonical_url({listing.canonical_url for listing in unknown}, is_sample)
    listed_here = _postings_listed_by(source_name)
    remaining = []
    for listing in unknown:
        candidates = by_url.get(listing.canonical_url, set()) - taken
        if len(candidates) == 1:
            posting_id = candidates.pop()
            merges[id(listing)] = posting_id
            taken.add(posting_id)
        else:
            remaining.append(listing)
    if not remaining:
        return merges
    excluded = taken | listed_here
    by_fingerprint = _open_postings_by_fingerprint({listing.values["fingerprint"] for listing in remaining},
                                                   is_sample)
    still_remaining = []
    for listing in remaining:
        candidates = by_fingerprint.get(listing.values["fingerprint"], set()) - excluded
        if len(candidates) == 1:
            posting_id = candidates.pop()
            merges[id(listing)] = posting_id
            excluded.add(posting_id)
            taken.add(posting_id)
        else:
            still_remaining.append(listing)
    with_text = [listing for listing in still_remaining if listing.posting.description_text]
    if not with_text:
        return merges
    by_company = _similarity_candidates({listing.values["company_key"] for listing in with_text}, is_sample)
    for listing in with_text:
        duplicates = [candidate_id for candidate_id, candidate in by_company.get(listing.values["company_key"], [])
                      if candidate_id not in excluded and dedup.is_probable_duplicate(listing.posting, candidate)]
        if len(duplicates) == 1:
            merges[id(listing)] = duplicates[0]
            excluded.add(duplicates[0])
            taken.add(duplicates[0])
    return merges


def _chunks(items: Iterable, size: int = LOOKUP_CHUNK):
    batch = list(items)
    for start in range(0, len(batch), size):
        yield batch[start:start + size]


def _postings_by_canonical_url(urls: set[str], is_sample: bool) -> dict[str, set[int]]:
    """{canonical URL: posting ids} over every stored link, open or closed."""
    found: dict[str, set[int]] = defaultdict(set)
    for chunk in _chunks(urls):
        rows = db.session.execute(
            select(LINKS.c.canonical_url, LINKS.c.posting_id)
            .join(POSTINGS, POSTINGS.c.id == LINKS.c.posting_id)
            .where(LINKS.c.canonical_url.in_(chunk), POSTINGS.c.is_sample == is_sample))
        for canonical, posting_id in rows:
            found[canonical].add(posting_id)
    return found


def _postings_listed_by(source_name: str) -> set[int]:
    """Postings that already carry a link from this source (which it therefore lists separately)."""
    return set(db.session.execute(select(LINKS.c.posting_id).where(LINKS.c.source_name == source_name)).scalars())


def _open_postings_by_fingerprint(fingerprints: set[str], is_sample: bool) -> dict[str, set[int]]:
    """{fingerprint: open posting ids}."""
    found: dict[str, set[int]] = defaultdict(set)
    for chunk in _chunks(fingerprints):
        # Open ones are picked here, not in SQL: given `closed_at IS NULL`, SQLite's planner scans
        # every open posting through the board index instead of using the fingerprint index.
        rows = db.session.execute(
            select(POSTINGS.c.fingerprint, POSTINGS.c.id, POSTINGS.c.closed_at)
            .where(POSTINGS.c.fingerprint.in_(chunk), POSTINGS.c.is_sample == is_sample))
        for fingerprint, posting_id, closed_at in rows:
            if closed_at is None:
                found[fingerprint].add(posting_id)
    return found


def _similarity_candidates(company_keys: set[str], is_sample: bool) -> dict[str, list[tuple[int, Posting]]]:
    """The most recently seen open postings of each company, as Postings for the duplicate test."""
    found: dict[str, list[tuple[int, Posting]]] = defaultdict(list)
    for chunk in _chunks(company_keys):
        ranked = (select(POSTINGS.c.id, POSTINGS.c.company_key, POSTINGS.c.title, POSTINGS.c.company,
                         POSTINGS.c.countries, POSTINGS.c.description_text,
                         func.row_number().over(partition_by=POSTINGS.c.company_key,
                                                order_by=(POSTINGS.c.last_seen_at.desc(), POSTINGS.c.id.desc()))
                         .label("rank"))
                  .where(POSTINGS.c.company_key.in_(chunk), POSTINGS.c.closed_at.is_(None),
                         POSTINGS.c.is_sample == is_sample)
                  .subquery())
        rows = db.session.execute(select(ranked).where(ranked.c.rank <= SIMILARITY_CANDIDATES_PER_COMPANY))
        for row in rows:
            found[row.company_key].append((row.id, Posting(
                source_name="", external_id=str(row.id), title=row.title, company=row.company, url="",
                countries=list(row.countries or []), description_text=row.description_text)))
    return found


def _update_postings(matched: dict[int, _Listing], merges: dict[int, int], unknown: list[_Listing],
                     source_name: str, now: datetime, report: SourceReport) -> None:
    """Bring matched postings up to date: all fields from the source that created them, gaps from others."""
    merged_into: dict[int, _Listing] = {merges[id(listing)]: listing for listing in unknown if id(listing) in merges}
    report.merged = len(merged_into)
    posting_ids = list(matched) + list(merged_into)
    if not posting_ids:
        return
    primary = _primary_sources(posting_ids)
    changed_rows, untouched_ids = [], []
    for chunk in _chunks(posting_ids):
        rows = db.session.execute(select(POSTINGS.c.id, POSTINGS.c.closed_at,
                                         *(POSTINGS.c[name] for name in CONTENT_COLUMNS))
                                  .where(POSTINGS.c.id.in_(chunk)))
        for row in rows:
            current = row._mapping
            listing = matched.get(row.id) or merged_into[row.id]
            owns = primary.get(row.id, source_name) == source_name
            values = _combined_values(current, listing.values, owns)
            expired = values["expires_at"] is not None and values["expires_at"] <= now
            closed_at = current["closed_at"] if expired and current["closed_at"] else (now if expired else None)
            if closed_at is not None and current["closed_at"] is None:
                report.closed += 1
            if any(values[name] != current[name] for name in CONTENT_COLUMNS) or closed_at != current["closed_at"]:
                changed_rows.append({"row_id": row.id, "closed_at": closed_at, "last_seen_at": now, **values})
                if row.id in matched and closed_at is None:
                    report.updated += 1
            else:
                untouched_ids.append(row.id)
    if changed_rows:
        statement = (update(POSTINGS).where(POSTINGS.c.id == bindparam("row_id"))
                     .values({name: bindparam(name) for name in (*CONTENT_COLUMNS, "closed_at", "last_seen_at")}))
        db.session.execute(statement, changed_rows)
    for chunk in _chunks(untouched_ids):
        db.session.execute(update(POSTINGS).where(POSTINGS.c.id.in_(chunk)).values(last_seen_at=now))


def _primary_sources(posting_ids: list[int]) -> dict[int, str]:
    """{posting id: the source of its first link}: that source's fields win; later ones fill gaps."""
    primary: dict[int, str] = {}
    for chunk in _chunks(posting_ids):
        first_link = (select(LINKS.c.posting_id, func.min(LINKS.c.id).label("first_id"))
                      .where(LINKS.c.posting_id.in_(chunk)).group_by(LINKS.c.posting_id).subquery())
        rows = db.session.execute(select(LINKS.c.posting_id, LINKS.c.source_name)
                                  .join(first_link, LINKS.c.id == first_link.c.first_id))
        primary.update({posting_id: name for posting_id, name in rows})
    return primary


def _combined_values(current, incoming: dict, owns: bool) -> dict:
    """The posting's new column values: the listing's own when this source created it, else gaps filled."""
    if owns:
        values = dict(incoming)
        if values["posted_at"] is None:
            values["posted_at"] = current["posted_at"]
        return values
    values = {name: current[name] for name in CONTENT_COLUMNS}
    for name in FILLABLE_COLUMNS:
        if not values[name] and incoming[name]:
            values[name] = incoming[name]
    if values["hourly_min_usd"] is None and values["pay_min"] is None and values["pay_max"] is None \
            and (incoming["pay_min"] is not None or incoming["pay_max"] is not None):
        values.update({name: incoming[name] for name in PAY_COLUMNS})
    if incoming["posted_at"] and (values["posted_at"] is None or incoming["posted_at"] < values["posted_at"]):
        values["posted_at"] = incoming["posted_at"]
    values["flags"] = _merge_flags(values["flags"] or [], incoming["flags"])
    values["is_flagged"] = bool(values["flags"])
    return values


def _insert_postings(listings: list[_Listing], now: datetime, is_sample: bool) -> list[int]:
    """Insert new postings in one executemany; their ids, in the listings' order.

    The ids are assigned here, after the highest stored one: SQLite cannot return ids of a batched
    insert in order (SQLAlchemy falls back to one statement per row, 10x slower), and only ingest
    inserts postings, under the refresh lock. PostgreSQL's sequence is then moved past them.
    """
    if not listings:
        return []
    first_id = db.session.execute(select(func.coalesce(func.max(POSTINGS.c.id), 0))).scalar_one() + 1
    ids = list(range(first_id, first_id + len(listings)))
    rows = [{**listing.values, "id": posting_id, "posted_at": listing.values["posted_at"] or now,
             "first_seen_at": now, "last_seen_at": now, "closed_at": None, "is_sample": is_sample}
            for posting_id, listing in zip(ids, listings)]
    _bulk_insert(POSTINGS, rows)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('job_posting', 'id'), :last)"),
                           {"last": ids[-1]})
    return ids


def _bulk_insert(table, rows: list[dict]) -> None:
    """Insert rows (dicts with the same keys) in the session's transaction.

    PostgreSQL gets them through COPY: an executemany INSERT costs this process about 0.15 ms a row
    in parameter handling alone, COPY a fraction of that, and the server parses one stream. Types are
    adapted as the ORM would: JSON columns as JSON text, datetimes as they are (all are aware UTC).
    """
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    from psycopg.types.json import Json  # PostgreSQL's driver, present whenever this branch runs

    names = list(rows[0])
    json_columns = {name for name in names if isinstance(table.c[name].type, db.JSON)}
    columns = ", ".join(f'"{name}"' for name in names)
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([Json(row[name]) if name in json_columns else row[name] for name in names])


def _insert_links(source_name: str, pairs: list[tuple[_Listing, int]], now: datetime) -> None:
    """Link new listings to their postings."""
    if pairs:
        _bulk_insert(LINKS, [
            {"posting_id": posting_id, "source_name": source_name, "external_id": listing.external_id,
             "url": listing.url, "canonical_url": listing.canonical_url, "first_seen_at": now,
             "last_seen_at": now, "closed_at": None}
            for listing, posting_id in pairs])


def _touch_links(links: dict, known: list[_Listing], now: datetime) -> None:
    """Mark this source's listings seen now (reopening any that had vanished); follow URL changes."""
    moved = [{"link_id": links[listing.external_id].id, "url": listing.url, "canonical_url": listing.canonical_url}
             for listing in known if links[listing.external_id].url != listing.url]
    if moved:
        db.session.execute(update(LINKS).where(LINKS.c.id == bindparam("link_id"))
                           .values(url=bindparam("url"), canonical_url=bindparam("canonical_url")), moved)
    for chunk in _chunks(links[listing.external_id].id for listing in known):
        db.session.execute(update(LINKS).where(LINKS.c.id.in_(chunk)).values(last_seen_at=now, closed_at=None))


def _close_vanished(links: dict, listed_ids: set[str], now: datetime) -> int:
    """Close links the source no longer lists, then postings left with no open link; returns the latter."""
    vanished = [row for external_id, row in links.items() if external_id not in listed_ids and row.closed_at is None]
    if not vanished:
        return 0
    for chunk in _chunks(row.id for row in vanished):
        db.session.execute(update(LINKS).where(LINKS.c.id.in_(chunk)).values(closed_at=now))
    affected = {row.posting_id for row in vanished}
    still_listed: set[int] = set()
    for chunk in _chunks(affected):
        still_listed.update(db.session.execute(
            select(LINKS.c.posting_id).where(LINKS.c.posting_id.in_(chunk), LINKS.c.closed_at.is_(None))).scalars())
    closed = 0
    for chunk in _chunks(affected - still_listed):
        closed += db.session.execute(update(POSTINGS).where(POSTINGS.c.id.in_(chunk), POSTINGS.c.closed_at.is_(None))
                                     .values(closed_at=now)).rowcount
    return closed


def _close_expired() -> int:
    """Close open postings whose closing date has passed, whichever source they came from."""
    now = utcnow()
    closed = db.session.execute(update(POSTINGS).where(POSTINGS.c.closed_at.is_(None),
                                                       POSTINGS.c.expires_at <= now)
                                .values(closed_at=now)).rowcount
    db.session.commit()
    return closed


# --- the demo snapshot ---------------------------------------------------------------------------------

def load_demo_sources(directory: Path = DEMO_DIR) -> list[SourceConfig]:
    """The bundled snapshot's sources: each [[source]] names a recorded response file in `directory`."""
    path = Path(directory) / "sources.toml"
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SourcesConfigError(f"{path}: cannot be read as TOML: {error}") from None
    sources = []
    for index, table in enumerate(document.get("source", []), start=1):
        where = f"{path}: [[source]] #{index}"
        if not isinstance(table, dict) or not all(isinstance(table.get(key), str) for key in ("name", "kind", "file")):
            raise SourcesConfigError(f"{where}: needs string fields name, kind and file")
        if not SOURCE_NAME.match(table["name"]):
            raise SourcesConfigError(f"{where}: name '{table['name']}' must be lower case letters, digits, . _ -")
        file_path = (Path(directory) / table["file"]).resolve()
        if Path(directory).resolve() not in file_path.parents or not file_path.is_file():
            raise SourcesConfigError(f"{where}: file '{table['file']}' is not a file inside {directory}")
        try:
            get_source_kind(table["kind"])
        except UnknownSourceKind as error:
            raise SourcesConfigError(f"{where}: {error}") from None
        sources.append(SourceConfig(name=table["name"], kind=table["kind"], url=file_path.as_uri(),
                                    company=table.get("company")))
    return sources


def _read_demo_file(source: SourceConfig) -> bytes:
    """A recorded response of the demo snapshot (its source URL is a file:// URL)."""
    parts = urlsplit(source.url)
    if parts.scheme != "file":
        raise _SourceFailed(f"demo source '{source.name}' must point at a file, not {source.url}")
    return Path(unquote(parts.path)).read_bytes()


def _demo_date_shift(sources: list[SourceConfig]) -> timedelta:
    """Whole days that make the snapshot's newest posting less than a day old (zero if none is dated)."""
    newest = None
    for source in sources:
        try:
            parsed = get_source_kind(source.kind).parse(_read_demo_file(source), source)
        except (FeedFormatError, OSError, _SourceFailed):
            continue  # the refresh itself reports this source's problem
        for posting in parsed.postings:
            posted = normalise(posting).posted_at
            if posted is not None and (newest is None or posted > newest):
                newest = posted
    if newest is None:
        return timedelta(0)
    return timedelta(days=max(0, (utcnow() - newest) // timedelta(days=1)))
