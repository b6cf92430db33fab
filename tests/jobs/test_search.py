"""Board search: filters, the database's full-text index on SQLite and PostgreSQL, hostile queries."""

import importlib.util
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from portal.app import create_app
from portal.db_types import utcnow
from portal.extensions import db
from portal.jobs import search
from portal.jobs.search import JobQuery, QueryError, fts5_match, parse_job_query, search_postings
from tests.conftest import POSTGRES_URL
from tests.jobs.factories import make_posting

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0005_job_search_index.py"


def titles(query: JobQuery, **kwargs) -> list[str]:
    return [posting.title for posting in search_postings(query, **kwargs).postings]


def test_parse_accepts_every_filter():
    query = parse_job_query({"q": "  spanish  ", "remote": "true", "country": "de", "task_type": "bbox",
                             "employment_type": "part-time", "min_hourly": "17.5", "posted_within_days": "7",
                             "hide_flagged": "1", "sort": "pay", "page": "2"})
    assert query == JobQuery(q="spanish", remote="remote", country="DE", task_type="bbox",
                             employment_type="part-time", min_hourly=17.5, posted_within_days=7,
                             hide_flagged=True, sort="pay", page=2)
    assert parse_job_query(query.as_params()) == query


@pytest.mark.parametrize("params, field", [
    ({"remote": "moon"}, "remote"), ({"country": "Germany"}, "country"), ({"country": "1A"}, "country"),
    ({"task_type": "juggling"}, "task_type"), ({"employment_type": "slave"}, "employment_type"),
    ({"min_hourly": "abc"}, "min_hourly"), ({"min_hourly": "nan"}, "min_hourly"), ({"min_hourly": "-1"}, "min_hourly"),
    ({"min_hourly": "inf"}, "min_hourly"), ({"posted_within_days": "0"}, "posted_within_days"),
    ({"posted_within_days": "1.5"}, "posted_within_days"), ({"page": "0"}, "page"), ({"page": "99999"}, "page"),
    ({"page": "51"}, "page"), ({"page": "2.5"}, "page"),
    ({"hide_flagged": "maybe"}, "hide_flagged"), ({"sort": "random"}, "sort"), ({"q": "x" * 201}, "q"),
])
def test_parse_refuses_bad_values_naming_the_field(params, field):
    with pytest.raises(QueryError) as raised:
        parse_job_query(params)
    assert raised.value.field == field
    assert field in raised.value.message


def test_unknown_task_type_lists_the_valid_ones():
    with pytest.raises(QueryError, match="valid: bbox, polygon"):
        parse_job_query({"task_type": "nope"})


@pytest.mark.parametrize("q, expected", [
    ("spanish transcription", '"spanish" AND "transcription"'),
    ('"bounding boxes" -lidar', '("bounding boxes") NOT "lidar"'),
    ("japanese OR korean", '("japanese" OR "korean")'),
    ('AND OR NOT "', '("and" OR "not")'),
    ("NEAR(a b)", '"near a" AND "b"'),
    ("OR", None),
    ('"unbalanced quote', '"unbalanced" AND "quote"'),
    ("title:secret*", '"title secret"'),
    ("-only -negative", None),
    ("!!! ??? ((( )))", None),
])
def test_fts5_match_only_ever_emits_quoted_words(q, expected):
    assert fts5_match(q) == expected


def test_create_all_ddl_matches_migration_0005():
    """The create_all hook and migration 0005 must build the same search objects."""
    spec = importlib.util.spec_from_file_location("migration_0005", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.SQLITE_UPGRADE[:-1] == search.SQLITE_SEARCH_DDL
    assert migration.SQLITE_UPGRADE[-1].endswith("VALUES ('rebuild')")
    assert migration.POSTGRES_UPGRADE == search.POSTGRES_SEARCH_DDL


def test_filters_each_narrow_the_results(app):
    with app.app_context():
        now = utcnow()
        make_posting(title="Remote bbox DE", remote="remote", countries=["DE", "AT"], task_types=["bbox"],
                     employment_type="part-time", hourly_min_usd=30, age_days=2)
        make_posting(title="Onsite US transcription", remote="on-site", countries=["US"],
                     task_types=["transcription"], employment_type="full-time", hourly_min_usd=12, age_days=20)
        make_posting(title="Flagged", flags=[{"code": "upfront-fee", "message": "Fee."}], age_days=3)
        make_posting(title="Closed", closed_at=now, age_days=1)
        make_posting(title="Undated", posted_at=None)
        assert titles(JobQuery()) == ["Remote bbox DE", "Flagged", "Onsite US transcription", "Undated"]
        assert titles(JobQuery(remote="on-site")) == ["Onsite US transcription"]
        assert titles(JobQuery(country="DE")) == ["Remote bbox DE"]
        assert titles(JobQuery(country="AT")) == ["Remote bbox DE"]
        assert titles(JobQuery(task_type="transcription")) == ["Onsite US transcription"]
        assert titles(JobQuery(employment_type="part-time")) == ["Remote bbox DE"]
        assert titles(JobQuery(min_hourly=20)) == ["Remote bbox DE"]
        assert titles(JobQuery(posted_within_days=7)) == ["Remote bbox DE", "Flagged"]
        assert "Flagged" not in titles(JobQuery(hide_flagged=True))
        assert "Closed" in titles(JobQuery(include_closed=True))
        assert titles(JobQuery(sort="pay"))[:2] == ["Remote bbox DE", "Onsite US transcription"]


def test_country_filter_does_not_match_substrings(app):
    with app.app_context():
        make_posting(title="Gabon-ish", countries=["GAB"], location="x")
        make_posting(title="Real GA", countries=["GA"])
        assert titles(JobQuery(country="GA")) == ["Real GA"]


def test_pages_and_total(app):
    with app.app_context():
        for day in range(25):
            make_posting(title=f"Job {day:02d}", age_days=day, commit=False)
        db.session.commit()
        first = search_postings(JobQuery(), per_page=10)
        third = search_postings(JobQuery(page=3), per_page=10)
        assert (first.total, first.pages) == (25, 3)
        assert [p.title for p in first.postings][:2] == ["Job 00", "Job 01"]
        assert [p.title for p in third.postings] == [f"Job {day:02d}" for day in range(20, 25)]
        assert search_postings(JobQuery(page=9), per_page=10).postings == []


def test_full_text_finds_words_stems_and_ranks_title_hits_first(app):
    with app.app_context():
        make_posting(title="Warehouse clerk", description_text="Occasionally label boxes.", age_days=1)
        make_posting(title="Image labelling specialist", description_text="Draw polygons.", age_days=5)
        make_posting(title="Chef", company="Labelbox Kitchens", description_text="Cook.", age_days=2)
        make_posting(title="Closed labeller", closed_at=utcnow(), description_text="labels")
        ranked = titles(JobQuery(q="labelling"))
        assert ranked[0] == "Image labelling specialist"
        assert set(ranked) == {"Image labelling specialist", "Warehouse clerk"}  # porter: label, labels
        assert titles(JobQuery(q="labelling", sort="newest")) == ["Warehouse clerk", "Image labelling specialist"]
        assert titles(JobQuery(q="polygon")) == ["Image labelling specialist"]
        assert titles(JobQuery(q="clerk OR chef")) == ["Warehouse clerk", "Chef"] or \
            set(titles(JobQuery(q="clerk OR chef"))) == {"Warehouse clerk", "Chef"}
        assert titles(JobQuery(q="label -warehouse")) == ["Image labelling specialist"]
        assert titles(JobQuery(q='"draw polygons"')) == ["Image labelling specialist"]
        assert titles(JobQuery(q='"polygons draw"')) == []
        assert search_postings(JobQuery(q="labelling")).total == 2


def test_index_follows_updates_and_deletes(app):
    with app.app_context():
        posting = make_posting(title="Audio transcriber")
        assert titles(JobQuery(q="transcriber")) == ["Audio transcriber"]
        posting.title = "Video tagger"
        db.session.commit()
        assert titles(JobQuery(q="transcriber")) == []
        assert titles(JobQuery(q="tagger")) == ["Video tagger"]
        db.session.delete(posting)
        db.session.commit()
        assert titles(JobQuery(q="tagger")) == []


@pytest.mark.parametrize("q", ['"', '""', "'", "a\"b", "(", ")", "*", "^", "NEAR(", "col:", "-", "OR", "AND",
                               "NOT", "a OR", "OR b", "\\", "%", "_", "'; DROP TABLE job_posting; --",
                               "\u0000zero", "emoji 🙂 search", "ümlaut café", "x" * 200, "a -", "---a"])
def test_hostile_queries_never_fail(app, q):
    with app.app_context():
        make_posting(title="Café annotator", description_text="Ümlaut zero work")
        query = parse_job_query({"q": q})
        for sort in ("relevance", "newest", "pay"):
            result = search_postings(JobQuery(q=query.q, sort=sort))
            assert result.total == len(result.postings)
        assert db.session.execute(text("SELECT count(*) FROM job_posting")).scalar() == 1


@pytest.mark.skipif(bool(POSTGRES_URL), reason="PostgreSQL's english configuration keeps accents "
                    "(folding them needs the unaccent extension)")
def test_accented_query_finds_unaccented_text(app):
    with app.app_context():
        make_posting(title="Cafe reviewer", description_text="Rate cafes.")
        assert titles(JobQuery(q="café")) == ["Cafe reviewer"]


def test_page_beyond_the_counted_matches_is_refused_with_the_remedy():
    assert parse_job_query({"page": str(search.MAX_PAGE)}).page == search.MAX_PAGE
    with pytest.raises(QueryError, match=r"at most 50: results stop at the first 1,000 matches; add words"):
        parse_job_query({"page": "51"})
    assert search.MAX_PAGE * search.PER_PAGE == search.TOTAL_CAP  # the last page is the last counted match


def test_relevance_window_still_counts_every_match(app, monkeypatch):
    monkeypatch.setattr(search, "RANK_WINDOW", 3)
    with app.app_context():
        for day in range(6):
            make_posting(title=f"Annotator {day}", age_days=day)
        result = search_postings(JobQuery(q="annotator"), per_page=2)
        assert (result.total, result.total_capped) == (6, False)
        assert len(result.postings) == 2
        assert {p.title for p in result.postings} <= {"Annotator 0", "Annotator 1", "Annotator 2"}


@pytest.mark.parametrize("params", [{}, {"q": "annotator"}, {"q": "annotator", "sort": "newest"},
                                    {"q": "annotator", "sort": "pay"}, {"remote": "remote"},
                                    {"q": "annotator", "remote": "remote"}])
def test_total_stops_at_the_cap(app, monkeypatch, params):
    monkeypatch.setattr(search, "TOTAL_CAP", 4)
    monkeypatch.setattr(search, "RANK_WINDOW", 4)
    with app.app_context():
        for day in range(7):
            make_posting(title=f"Annotator {day}", age_days=day, remote="remote", hourly_min_usd=10 + day,
                         commit=False)
        make_posting(title="Closed annotator", closed_at=utcnow(), remote="remote")
        query = parse_job_query(params)
        first, second = search_postings(query, per_page=3), search_postings(query.with_page(2), per_page=3)
        assert (first.total, first.total_capped, first.pages) == (4, True, 2)
        assert len(first.postings) == 3 and len(second.postings) == 1
        assert not {p.id for p in first.postings} & {p.id for p in second.postings}
        if query.effective_sort == "newest":
            listed = [p.title for p in first.postings + second.postings]
            assert listed == [f"Annotator {day}" for day in range(4)]
        if query.effective_sort == "pay":
            assert [p.title for p in first.postings] == ["Annotator 6", "Annotator 5", "Annotator 4"]


@pytest.mark.parametrize("count, capped", [(3, False), (4, False), (5, True)])
def test_total_at_the_edge_of_the_cap(app, monkeypatch, count, capped):
    monkeypatch.setattr(search, "TOTAL_CAP", 4)
    with app.app_context():
        for day in range(count):
            make_posting(title=f"Rater {day}", age_days=day, commit=False)
        db.session.commit()
        for params in ({}, {"q": "rater"}, {"q": "rater", "sort": "newest"}):
            result = search_postings(parse_job_query(params), per_page=2)
            assert (result.total, result.total_capped) == (min(count, 4), capped), params


def test_board_shows_a_capped_total_with_a_plus(app, client, monkeypatch):
    monkeypatch.setattr(search, "TOTAL_CAP", 2)
    with app.app_context():
        for day in range(3):
            make_posting(title=f"Rater {day}", age_days=day)
    html = client.get("/jobs?q=rater").get_data(as_text=True)
    assert "2+ jobs matching" in html and "listing the first 2: add words or filters" in html
    assert "+ jobs" not in client.get("/jobs?q=rater&remote=hybrid").get_data(as_text=True)
    response = client.get("/jobs?page=51")
    assert response.status_code == 400
    assert "add words or filters to narrow the search" in response.get_data(as_text=True)


def test_many_matches_take_the_index_walk_path(app, monkeypatch):
    monkeypatch.setattr(search, "ROW_LOOKUP_LIMIT", 1)
    monkeypatch.setattr(search, "CHUNK_MIN", 1)
    with app.app_context():
        for day in range(9):
            make_posting(title=f"Rater {day}", age_days=day, remote="remote" if day % 2 else "on-site",
                         description_text="Rate search results." if day % 3 else "Label images.")
        assert titles(JobQuery(q="rater", remote="remote", sort="newest")) == [
            "Rater 1", "Rater 3", "Rater 5", "Rater 7"]
        assert titles(JobQuery(q="search results", sort="newest")) == ["Rater 1", "Rater 2", "Rater 4",
                                                                       "Rater 5", "Rater 7", "Rater 8"]
        assert search_postings(JobQuery(q="images")).total == 3


def test_index_walk_takes_more_chunks_until_the_window_fills(app, monkeypatch):
    for name, value in (("ROW_LOOKUP_LIMIT", 1), ("CHUNK_MIN", 1), ("CHUNK_SLACK", 0.01), ("TOTAL_CAP", 3)):
        monkeypatch.setattr(search, name, value)
    with app.app_context():
        for day in range(30):
            make_posting(title=f"Job {day:02d}", age_days=day, commit=False,
                         description_text="Rare word zebra." if day % 7 == 6 else "Common words.")
        db.session.commit()
        newest = search_postings(JobQuery(q="zebra", sort="newest"), per_page=2)
        assert [p.title for p in newest.postings] == ["Job 06", "Job 13"]
        assert (newest.total, newest.total_capped) == (3, True)
        second = search_postings(JobQuery(q="zebra", sort="newest", page=2), per_page=2)
        assert [p.title for p in second.postings] == ["Job 20"]
        assert search_postings(JobQuery(q="zebra", remote="hybrid")).total == 0


@pytest.mark.db
def test_migrations_build_a_working_search_index(scratch_database_url):
    app = create_app({"SECRET_KEY": "k" * 40, "TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade()
        make_posting(title="Keypoint annotator", description_text="Mark joints on athletes.")
        assert titles(JobQuery(q="athletes")) == ["Keypoint annotator"]
        assert titles(JobQuery(q="joint", task_type=None)) == ["Keypoint annotator"]
        db.session.remove()
        db.engine.dispose()
