"""Board search: full-text matching in the database's own index, filters, sorting and pages.

SQLite answers text queries from an FTS5 external-content table kept in step with job_posting by
triggers; PostgreSQL from a stored, weighted tsvector column with a GIN index. Both are created
here when `db.create_all()` builds job_posting, and by migration 0005 for migrated databases.
"""

import json
import math
import re
from dataclasses import dataclass, fields, replace
from datetime import timedelta

from sqlalchemy import (DDL, String, cast, column, event, func, literal, literal_column, null, select, table,
                        text)

from portal.db_types import utcnow
from portal.extensions import db
from portal.jobs.models import JobPosting
from portal.jobs.posting import EMPLOYMENT_TYPES
from portal.practice.catalog import TASK_TYPES

MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 12
PER_PAGE = 20
# Totals count at most this many matches (more show as "1,000+"): counting every posting that
# contains a common word is what made searches slow, and nobody pages through more.
TOTAL_CAP = 1000
MAX_PAGE = TOTAL_CAP // PER_PAGE
MAX_MIN_HOURLY = 1000
POSTED_WITHIN_CHOICES = (1, 3, 7, 14, 30, 90)
REMOTE_FILTERS = ("remote", "hybrid", "on-site")
# Best match orders the newest RANK_WINDOW matches by score rather than scoring every match.
RANK_WINDOW = TOTAL_CAP
# SQLite: up to this many text matches are looked up by id; beyond, the filter index is walked.
ROW_LOOKUP_LIMIT = 5000
# The first chunk of that walk: enough postings to fill the window if the words are spread evenly,
# with some slack; each further chunk is four times larger.
CHUNK_SLACK = 1.25
CHUNK_MIN = 500
SORTS = ("newest", "relevance", "pay")
FTS_TABLE = "job_posting_fts"
SEARCH_VECTOR_COLUMN = "search_vector"
SEARCH_VECTOR_INDEX = "ix_job_posting_search_vector"
FILTER_INDEX = "ix_job_posting_board_filters"
PAY_INDEX = "ix_job_posting_board_pay"
COUNTRY_CODE = re.compile(r"^[A-Za-z]{2}$")
WORD = re.compile(r"\w+", re.UNICODE)
QUERY_PART = re.compile(r'(-?)"([^"]*)"|(\S+)')
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# bm25() weights for title, company, location and description: a title hit matters most.
BM25_WEIGHTS = "10.0, 4.0, 2.0, 1.0"

SQLITE_SEARCH_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "title, company, location, description_text, content='job_posting', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    # Every board filter beside each sort key, so pages are read in order from an index and never
    # from the big rows; `id` right after the sort key lets the index give the whole order.
    f"CREATE INDEX IF NOT EXISTS {FILTER_INDEX} ON job_posting (closed_at, posted_at, id, remote, "
    "employment_type, is_flagged, hourly_min_usd, countries, task_types)",
    f"CREATE INDEX IF NOT EXISTS {PAY_INDEX} ON job_posting (hourly_min_usd, posted_at, id, closed_at, "
    "remote, employment_type, is_flagged, countries, task_types) WHERE closed_at IS NULL",
    f"CREATE TRIGGER IF NOT EXISTS job_posting_fts_insert AFTER INSERT ON job_posting BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, title, company, location, description_text) "
    "VALUES (new.id, new.title, new.company, new.location, new.description_text); END",
    f"CREATE TRIGGER IF NOT EXISTS job_posting_fts_delete AFTER DELETE ON job_posting BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, company, location, description_text) "
    "VALUES ('delete', old.id, old.title, old.company, old.location, old.description_text); END",
    # Only text changes touch the index: ingest updates last_seen_at on every run.
    f"CREATE TRIGGER IF NOT EXISTS job_posting_fts_update AFTER UPDATE OF title, company, location, "
    f"description_text ON job_posting BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, company, location, description_text) "
    "VALUES ('delete', old.id, old.title, old.company, old.location, old.description_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, title, company, location, description_text) "
    "VALUES (new.id, new.title, new.company, new.location, new.description_text); END",
)
SQLITE_DROP_DDL = (
    "DROP TRIGGER IF EXISTS job_posting_fts_insert",
    "DROP TRIGGER IF EXISTS job_posting_fts_delete",
    "DROP TRIGGER IF EXISTS job_posting_fts_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
    f"DROP INDEX IF EXISTS {FILTER_INDEX}",
    f"DROP INDEX IF EXISTS {PAY_INDEX}",
)
POSTGRES_SEARCH_DDL = (
    f"ALTER TABLE job_posting ADD COLUMN {SEARCH_VECTOR_COLUMN} tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', company), 'B') || "
    "setweight(to_tsvector('english', location), 'C') || "
    "setweight(to_tsvector('english', description_text), 'D')) STORED",
    # Kept in the row rather than in TOAST: walking newest first tests the vector of each row.
    f"ALTER TABLE job_posting ALTER COLUMN {SEARCH_VECTOR_COLUMN} SET STORAGE MAIN",
    f"CREATE INDEX {SEARCH_VECTOR_INDEX} ON job_posting USING gin ({SEARCH_VECTOR_COLUMN})",
    # Each sort order with every board filter column, for index-only pages read in order.
    f"CREATE INDEX {FILTER_INDEX} ON job_posting (posted_at DESC NULLS LAST, id DESC) INCLUDE (closed_at, "
    "remote, employment_type, is_flagged, hourly_min_usd, countries, task_types)",
    f"CREATE INDEX {PAY_INDEX} ON job_posting (hourly_min_usd DESC NULLS LAST, posted_at DESC NULLS LAST, "
    "id DESC) INCLUDE (closed_at, remote, employment_type, is_flagged, countries, task_types)",
    # Board queries stop after a few thousand index entries: starting parallel workers costs more
    # than it saves, and on a busy server it is most of a query's time.
    "ALTER TABLE job_posting SET (parallel_workers = 0)",
)


def _attach_search_ddl() -> None:
    """Create the text index with job_posting on each dialect (create_all knows only the models)."""
    posting_table = JobPosting.__table__
    for statement in SQLITE_SEARCH_DDL:
        event.listen(posting_table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in SQLITE_DROP_DDL:
        event.listen(posting_table, "before_drop", DDL(statement).execute_if(dialect="sqlite"))
    for statement in POSTGRES_SEARCH_DDL:
        event.listen(posting_table, "after_create", DDL(statement).execute_if(dialect="postgresql"))


_attach_search_ddl()


class QueryError(ValueError):
    """A board or API parameter is invalid; `field` names it and the message says what is allowed."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class JobQuery:
    """Validated board filters; the defaults show every open posting, newest first."""

    q: str = ""
    remote: str | None = None
    country: str | None = None
    task_type: str | None = None
    employment_type: str | None = None
    min_hourly: float | None = None
    posted_within_days: int | None = None
    hide_flagged: bool = False
    include_closed: bool = False
    sort: str | None = None  # None: best match when there is a text query, else newest
    page: int = 1

    @property
    def effective_sort(self) -> str:
        """The sort in force: relevance only makes sense with search words."""
        searchable = has_search_words(self.q)
        if self.sort == "relevance" and not searchable:
            return "newest"
        return self.sort or ("relevance" if searchable else "newest")

    def as_params(self) -> dict:
        """The non-default filters as URL parameters (for saved searches, links and feeds)."""
        params = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value in (None, "", False) or (spec.name == "page" and value == 1):
                continue
            params[spec.name] = "1" if value is True else (f"{value:g}" if isinstance(value, float) else str(value))
        return params

    def with_page(self, page: int) -> "JobQuery":
        """The same search on another page."""
        return replace(self, page=page)


@dataclass(frozen=True)
class SearchPage:
    """One page of results and the total that matched (at most TOTAL_CAP; `total_capped` when more did)."""

    postings: list
    total: int
    page: int
    per_page: int
    total_capped: bool = False

    @property
    def pages(self) -> int:
        """How many pages the results fill (at least one, so 'page 1 of 1' reads right)."""
        return max(1, min(MAX_PAGE, math.ceil(self.total / self.per_page)))


def _flag(args, name: str) -> bool:
    value = (args.get(name) or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise QueryError(name, f"{name} must be true or false")


def _whole_number(args, name: str, low: int, high: int) -> int | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise QueryError(name, f"{name} must be a whole number from {low} to {high}")
    return int(value)


def parse_job_query(args) -> JobQuery:
    """Validate request parameters (any mapping with .get) into a JobQuery; QueryError names the field."""
    q = CONTROL_CHARACTERS.sub(" ", args.get("q") or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryError("q", f"q must be at most {MAX_QUERY_LENGTH} characters")

    remote = (args.get("remote") or "").strip().lower() or None
    if remote == "true":
        remote = "remote"
    if remote is not None and remote not in REMOTE_FILTERS:
        raise QueryError("remote", f"remote must be one of {', '.join(REMOTE_FILTERS)}")

    country = (args.get("country") or "").strip() or None
    if country is not None:
        if not COUNTRY_CODE.match(country):
            raise QueryError("country", "country must be a two-letter ISO 3166 code such as US or DE")
        country = country.upper()

    task_type = (args.get("task_type") or "").strip() or None
    if task_type is not None and task_type not in TASK_TYPES:
        raise QueryError("task_type", f"task_type '{task_type[:40]}' is unknown; valid: {', '.join(TASK_TYPES)}")

    employment_type = (args.get("employment_type") or "").strip() or None
    if employment_type is not None and employment_type not in EMPLOYMENT_TYPES:
        raise QueryError("employment_type", f"employment_type must be one of {', '.join(EMPLOYMENT_TYPES)}")

    min_hourly = None
    raw_min = (args.get("min_hourly") or "").strip()
    if raw_min:
        try:
            min_hourly = float(raw_min)
        except ValueError:
            min_hourly = math.nan
        if not 0 <= min_hourly <= MAX_MIN_HOURLY:  # NaN fails this too
            raise QueryError("min_hourly", f"min_hourly must be a number of US dollars from 0 to {MAX_MIN_HOURLY}")

    sort = (args.get("sort") or "").strip() or None
    if sort is not None and sort not in SORTS:
        raise QueryError("sort", f"sort must be one of {', '.join(SORTS)}")

    return JobQuery(
        q=q, remote=remote, country=country, task_type=task_type, employment_type=employment_type,
        min_hourly=min_hourly, posted_within_days=_whole_number(args, "posted_within_days", 1, 3650),
        hide_flagged=_flag(args, "hide_flagged"), include_closed=_flag(args, "include_closed"),
        sort=sort, page=_page(args),
    )


def _page(args) -> int:
    value = (args.get("page") or "").strip()
    if value.isdigit() and int(value) > MAX_PAGE:
        raise QueryError("page", f"page must be at most {MAX_PAGE}: results stop at the first {TOTAL_CAP:,} "
                                 "matches; add words or filters to narrow the search")
    return _whole_number(args, "page", 1, MAX_PAGE) or 1


def query_words(q: str) -> list[str]:
    """The searchable words of a query, in order (punctuation and operators dropped)."""
    return WORD.findall(q.lower())[:MAX_QUERY_TERMS]


def has_search_words(q: str) -> bool:
    """Whether the query asks for any word (a query of only operators or exclusions does not)."""
    return fts5_match(q) is not None


def fts5_match(q: str) -> str | None:
    """Translate web-search syntax ("exact phrase", -word, OR) into a safe FTS5 expression.

    Every word ends up inside double quotes built from \\w characters only, so no input can
    reach FTS5's own syntax; None when nothing searchable is left.
    """
    required, excluded, alternatives = [], [], None
    pending_or = False
    for negated, phrase, bare in (match.groups() for match in QUERY_PART.finditer(q)):
        if bare == "OR":
            pending_or = bool(required)
            continue
        words = query_words(phrase if phrase is not None else bare)
        if not words:
            continue
        term = '"' + " ".join(words) + '"'
        if negated or (bare and bare.startswith("-") and len(bare) > 1):
            excluded.append(term)
        elif pending_or:
            alternatives = required.pop()
            required.append(f"({alternatives} OR {term})")
        else:
            required.append(term)
        pending_or = False
    if not required:
        return None
    expression = " AND ".join(required[:MAX_QUERY_TERMS])
    for term in excluded[:MAX_QUERY_TERMS]:
        expression = f"({expression}) NOT {term}"
    return expression


def _json_list_contains(json_column, value: str):
    """Membership in a JSON list of codes, tested on its stored text (values are validated slugs)."""
    return cast(json_column, String).like(f'%"{value}"%')


def _unindexed(column_, query: JobQuery, dialect: str):
    """On SQLite, `+column` keeps the planner on the covering filter index instead of a
    single-column index followed by a row lookup per candidate (the slow path on big rows);
    sorted by pay, the range is what the pay index should seek to."""
    if dialect != "sqlite" or query.effective_sort == "pay":
        return column_
    return literal_column(f"+job_posting.{column_.key}")


def _filters(query: JobQuery, dialect: str) -> list:
    conditions = []
    if not query.include_closed:
        conditions.append(JobPosting.closed_at.is_(None))
    if query.remote:
        conditions.append(JobPosting.remote == query.remote)
    if query.country:
        conditions.append(_json_list_contains(JobPosting.countries, query.country))
    if query.task_type:
        conditions.append(_json_list_contains(JobPosting.task_types, query.task_type))
    if query.employment_type:
        conditions.append(JobPosting.employment_type == query.employment_type)
    if query.min_hourly is not None:
        conditions.append(_unindexed(JobPosting.hourly_min_usd, query, dialect) >= query.min_hourly)
    if query.posted_within_days:
        conditions.append(JobPosting.posted_at >= utcnow() - timedelta(days=query.posted_within_days))
    if query.hide_flagged:
        conditions.append(JobPosting.is_flagged.is_(False))
    return conditions


def _fts_rowids(match: str):
    fts = table(FTS_TABLE, column("rowid"))
    return select(fts.c.rowid).where(text(f"{FTS_TABLE} MATCH :fts_match").bindparams(fts_match=match))


def _tsquery(q: str):
    return func.websearch_to_tsquery(literal_column("'english'"), q)


def _search_vector():
    return literal_column(f"job_posting.{SEARCH_VECTOR_COLUMN}")


NEWEST = (JobPosting.posted_at.desc().nulls_last(), JobPosting.id.desc())
HIGHEST_PAY = (JobPosting.hourly_min_usd.desc().nulls_last(), *NEWEST)


def _ordered_ids(conditions: list, order: tuple, limit: int, offset: int = 0) -> list[int]:
    return list(db.session.scalars(select(JobPosting.id).where(*conditions).order_by(*order)
                                   .limit(limit).offset(offset)))


def _capped_count(conditions: list) -> int:
    """How many postings match, counting no further than TOTAL_CAP + 1."""
    matches = select(literal(1)).select_from(JobPosting).where(*conditions).limit(TOTAL_CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(matches))


def _postgres_page(query: JobQuery, conditions: list, sort: str, per_page: int) -> tuple[list[int], int]:
    """The page's ids and the capped count, each from a LIMITed statement the planner can stop early:
    walking the order's index while testing each row's stored vector when the words are common,
    reading the GIN index first when they are rare. A short page or window is its own count."""
    offset = (query.page - 1) * per_page
    if has_search_words(query.q):
        conditions = [*conditions, _search_vector().op("@@")(_tsquery(query.q))]
    if sort == "relevance":
        # Ranked after the LIMIT, so only the window's rows are scored.
        newest = (select(JobPosting.id, JobPosting.posted_at, _search_vector().label("vector"))
                  .where(*conditions).order_by(*NEWEST).limit(RANK_WINDOW + 1).subquery())
        window = db.session.execute(
            select(newest.c.id, func.ts_rank_cd(newest.c.vector, _tsquery(query.q)))
            .order_by(newest.c.posted_at.desc().nulls_last(), newest.c.id.desc())).all()
        # A stable sort: equal ranks stay newest first.
        ranked = sorted(window[:min(RANK_WINDOW, TOTAL_CAP)], key=lambda row: -row[1])
        ids = [row[0] for row in ranked[offset:offset + per_page]]
        counted = len(window) if len(window) <= RANK_WINDOW or len(window) > TOTAL_CAP else None
    else:
        limit = max(0, min(per_page, TOTAL_CAP - offset))  # nothing is listed beyond the counted matches
        order = HIGHEST_PAY if sort == "pay" else NEWEST
        ids = _ordered_ids(conditions, order, limit, offset) if limit else []
        counted = offset + len(ids) if len(ids) < limit and (ids or not offset) else None
    return ids, counted if counted is not None else _capped_count(conditions)


def _id_set(ids: list[int]):
    """A list of ids as one bound JSON value, however long (SQLite caps bound parameters)."""
    return select(literal_column("value")).select_from(func.json_each(json.dumps(ids)))


def _fts_scores(match: str, ids, ranked: bool) -> dict:
    """Which of `ids` (a select of ids) match, with their bm25 scores when ranked: one pass over
    the words' doclists testing each entry against the id set, built once (`+` stops FTS5 from
    rerunning the match once per id)."""
    fts = table(FTS_TABLE, column("rowid"))
    score = literal_column(f"bm25({FTS_TABLE}, {BM25_WEIGHTS})") if ranked else null()
    statement = select(fts.c.rowid, score).where(
        text(f"{FTS_TABLE} MATCH :fts_match").bindparams(fts_match=match),
        literal_column(f"+{FTS_TABLE}.rowid").in_(ids))
    return dict(db.session.execute(statement).all())


def _sqlite_text_window(match: str, conditions: list, order: tuple, ranked: bool) -> list[tuple]:
    """The first TOTAL_CAP + 1 matches in `order`, found by the way that suits how many postings
    the words match.

    A few: look those rows up by id and sort them. Many (a word found in most postings): take a
    chunk of the filter index in order, keep the ids the text index confirms, and repeat with a
    bigger chunk until the window is full; the first chunk is sized from the share of postings
    that match, so one usually does. Everything but the matches stays inside SQLite.
    """
    matches = db.session.scalar(select(func.count()).select_from(_fts_rowids(match).subquery()))
    if not matches:
        return []
    if matches <= ROW_LOOKUP_LIMIT:
        ids = _ordered_ids([*conditions, JobPosting.id.in_(_fts_rowids(match))], order, TOTAL_CAP + 1)
        scores = _fts_scores(match, _id_set(ids), ranked) if ranked and ids else {}
        return [(posting_id, scores.get(posting_id)) for posting_id in ids]
    postings = db.session.scalar(select(func.max(JobPosting.id))) or matches
    chunk = max(CHUNK_MIN, math.ceil((TOTAL_CAP + 1) * CHUNK_SLACK * postings / matches))
    window, walked = [], 0
    while True:
        walk = select(JobPosting.id).where(*conditions).order_by(*order).limit(chunk).offset(walked)
        scores = _fts_scores(match, walk, ranked)
        if scores:  # the chunk's matches, back in order (the chunk was in order)
            found = _ordered_ids([JobPosting.id.in_(_id_set(list(scores)))], order,
                                 TOTAL_CAP + 1 - len(window))
            window.extend((posting_id, scores[posting_id]) for posting_id in found)
        if len(window) > TOTAL_CAP:
            return window
        if db.session.scalar(select(func.count()).select_from(walk.subquery())) < chunk:
            return window  # the filter index is exhausted
        walked += chunk
        chunk *= 4


def _sqlite_page(query: JobQuery, conditions: list, sort: str, per_page: int) -> tuple[list[int], int]:
    """The page's ids and the capped count from one window of the first TOTAL_CAP + 1 matches in
    order (the page is a slice of it; best match re-orders its newest RANK_WINDOW by bm25)."""
    order = HIGHEST_PAY if sort == "pay" else NEWEST
    ranked = sort == "relevance"
    match = fts5_match(query.q)
    if match is None:
        window = [(posting_id, None) for posting_id in _ordered_ids(conditions, order, TOTAL_CAP + 1)]
    else:
        window = _sqlite_text_window(match, conditions, order, ranked)
    matched = len(window)
    window = window[:TOTAL_CAP]  # nothing is listed beyond the counted matches
    if ranked:  # a stable sort: equal scores stay newest first
        window = sorted(window[:RANK_WINDOW], key=lambda item: item[1])
    offset = (query.page - 1) * per_page
    return [posting_id for posting_id, _ in window[offset:offset + per_page]], matched


def search_postings(query: JobQuery, per_page: int = PER_PAGE) -> SearchPage:
    """Run one board search: filters, text match, order, one page and a total capped at TOTAL_CAP.

    Counting every match of a common word is what made searches slow, so the total stops at
    TOTAL_CAP + 1 ("1,000+"), no page lies beyond it (MAX_PAGE) and best match ranks the newest
    RANK_WINDOW matches. Ids come from the indexes alone; only the page's (large) rows are loaded.
    """
    dialect = db.session.get_bind().dialect.name
    conditions = _filters(query, dialect)
    page_of = _postgres_page if dialect == "postgresql" else _sqlite_page
    ids, matched = page_of(query, conditions, query.effective_sort, per_page)
    rows = {posting.id: posting for posting in
            db.session.scalars(select(JobPosting).where(JobPosting.id.in_(ids)))} if ids else {}
    return SearchPage(postings=[rows[i] for i in ids if i in rows], total=min(matched, TOTAL_CAP),
                      page=query.page, per_page=per_page, total_capped=matched > TOTAL_CAP)
