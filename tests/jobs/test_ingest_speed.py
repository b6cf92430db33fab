"""The ingest speed-ups change nothing: worker processes, the trie alternations, the ASCII fold, and
PostgreSQL statistics kept fresh during a big first load."""

import multiprocessing
import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal.db_types import utcnow
from portal.extensions import db
from portal.jobs import dedup, ingest
from portal.jobs.models import JobPosting, JobPostingSource
from portal.jobs.normalise import _alternation, normalise
from portal.jobs.posting import Posting, SourceConfig
from portal.jobs.relevance import is_relevant, load_rules
from tests.jobs.loopback import LoopbackServer
from tests.jobs.test_ingest import greenhouse_source, run_refresh


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


def stored(app) -> list[tuple]:
    """Every posting and link as plain values, without ids and times that differ between runs."""
    with app.app_context():
        posting_columns = [column for column in JobPosting.__table__.c
                           if column.name not in ("id", "first_seen_at", "last_seen_at")]
        postings = [tuple(row) for row in db.session.execute(select(*posting_columns).order_by(JobPosting.title))]
        links = sorted(tuple(row) for row in db.session.execute(
            select(JobPostingSource.source_name, JobPostingSource.external_id, JobPostingSource.canonical_url)))
        db.session.remove()
    return postings + links


def refresh_in_one_process_then_forget(app, sources):
    """The report and stored rows of a refresh with the default settings, then empty job tables
    (the source rows stay, as they would between two refreshes) for the run to compare."""
    report = run_refresh(app, sources)
    expected = stored(app)
    with app.app_context():
        for table in (JobPostingSource.__table__, JobPosting.__table__):
            db.session.execute(table.delete())
        db.session.commit()
    return report, expected


def test_worker_processes_store_exactly_what_one_process_stores(app, server, monkeypatch):
    serial, expected = refresh_in_one_process_then_forget(app, [greenhouse_source(server)])
    monkeypatch.setattr(ingest, "PARALLEL_MIN_LISTINGS", 1)
    monkeypatch.setattr(ingest, "PARALLEL_CHUNK", 2)  # several chunks, so their order matters
    pools = []
    original = ingest._Context.worker_pool
    monkeypatch.setattr(ingest._Context, "worker_pool", lambda self: pools.append(original(self)) or pools[-1])
    parallel = run_refresh(app, [greenhouse_source(server, name="northwind")])
    assert pools and pools[0] is not None
    assert [source.counts() for source in parallel.sources] == [source.counts() for source in serial.sources]
    assert parallel.sources[0].skip_reasons == serial.sources[0].skip_reasons
    assert stored(app) == expected


def longest_first(words) -> str:
    """The plain alternation the trie replaces."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


@pytest.mark.parametrize("words", [
    ["$", "C$", "CA$", "CAN$", "US$", "Rs", "Rs.", "R$"],
    ["ab", "abc", "abd", "b", "bc", "a"],
    ["english", "spanish", "swahili", "swedish", "tamil", "telugu", "thai", "tagalog", "igbo", "urdu"],
])
def test_the_trie_alternation_matches_what_the_longest_first_list_matches(words):
    rng = random.Random(3)
    alphabet = sorted(set("".join(words))) + [" ", "x"]
    trie, plain = re.compile(f"({_alternation(words)})"), re.compile(f"({longest_first(words)})")
    followed = re.compile(f"({_alternation(words)})(?:c|\\.|$)"), re.compile(f"({longest_first(words)})(?:c|\\.|$)")
    for _ in range(2000):
        sample = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert trie.findall(sample) == plain.findall(sample), sample
        assert followed[0].findall(sample) == followed[1].findall(sample), sample  # backtracking order too


def slow_fold(value: str) -> str:
    """fold_text without the ASCII shortcut."""
    import unicodedata
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


@pytest.mark.parametrize("value", ["Scale AI, Inc.", "Zürich", "ÉIRE Ltd", "plain", "", "A\u0301", "ﬁ office"])
def test_fold_text_is_unchanged_by_the_ascii_shortcut(value):
    assert dedup.fold_text(value) == slow_fold(value)


def test_postgresql_statistics_are_refreshed_once_a_refresh_has_grown_the_tables(app, server, monkeypatch):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("planner statistics matter on PostgreSQL only")
    monkeypatch.setattr(ingest, "ANALYZE_MIN_ROWS", 1)
    analyses = []
    original = db.session.execute

    def recording_execute(statement, *args, **kwargs):
        if str(statement).startswith("ANALYZE"):
            analyses.append(str(statement))
        return original(statement, *args, **kwargs)

    with app.app_context():
        monkeypatch.setattr(db.session, "execute", recording_execute)
        report = ingest.refresh([greenhouse_source(server)], pacer=ingest.HostPacer(0))
        assert report.sources[0].new > 0
        assert analyses == ["ANALYZE job_posting, job_posting_source"]
        estimate = db.session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'job_posting'")).scalar()
        assert estimate == report.sources[0].new


def test_the_next_source_is_fetched_while_the_current_one_is_stored(app, server):
    sources = [greenhouse_source(server, name=f"board-{number}") for number in range(3)]
    requests_when_stored = []
    report = run_refresh(app, sources, progress=lambda source_report: requests_when_stored.append(
        (source_report.name, len(server.requests))))
    # board-1 was fetched (and handed to the workers) before board-0 was stored; reports keep their order
    assert requests_when_stored == [("board-0", 2), ("board-1", 3), ("board-2", 3)]
    assert [source.status for source in report.sources] == ["ok", "ok", "ok"]
    assert report.sources[0].new > 0 and report.sources[1].merged == report.sources[0].new


def test_workers_that_die_mid_refresh_leave_the_work_to_this_process(app, server, monkeypatch, caplog):
    lever = SourceConfig(name="brightlabel", kind="lever", company="Brightlabel",
                         url=server.serve_fixture("/lever", "lever/brightlabel_postings.json"))
    serial, expected = refresh_in_one_process_then_forget(app, [greenhouse_source(server), lever])
    monkeypatch.setattr(ingest, "PARALLEL_MIN_LISTINGS", 1)
    monkeypatch.setattr(ingest, "PARALLEL_CHUNK", 2)
    submit, killed = ingest._submit_preparation, []

    def submit_then_kill_the_workers(started, context):
        submit(started, context)
        if started.preparing and not killed:  # still starting up: none of the chunks can be done yet
            for process in multiprocessing.active_children():
                process.kill()
                killed.append(process.pid)

    monkeypatch.setattr(ingest, "_submit_preparation", submit_then_kill_the_workers)
    report = run_refresh(app, [greenhouse_source(server), lever])
    assert killed
    assert caplog.text.count("worker processes stopped; preparing listings in this process") == 1
    assert [source.counts() for source in report.sources] == [source.counts() for source in serial.sources]
    assert stored(app) == expected


@pytest.mark.parametrize("title", [
    "Senior Software Engineer", "Software Engineer - AI Trainer", "Data Annotator (Contract)", "Operations Associate",
    "Annotator\x00Engineer", "Annotation specialist " + "x " * 200 + "engineer", "  Rater\n", None, "",
])
def test_deciding_on_the_title_before_normalising_changes_no_decision(title):
    rules = load_rules()
    raw = Posting(source_name="s", external_id="1", title=title, company="Acme", url="https://acme.example/jobs/1",
                  description_html="<p>Label images with bounding boxes, annotate audio and review data labeling "
                                   "work.</p><script>document.write('engineer')</script>")
    listing, problem = ingest._prepare_listing(raw, rules, timedelta(0), utcnow())
    decision = is_relevant(normalise(raw), rules)
    if decision.keep:
        assert problem is None or (problem == "no title" and not normalise(raw).title)
    else:
        assert listing is None and problem == decision.reason


def test_workers_that_cannot_start_leave_the_work_to_this_process(app, server, monkeypatch, caplog):
    serial, expected = refresh_in_one_process_then_forget(app, [greenhouse_source(server)])
    monkeypatch.setattr(ingest, "PARALLEL_MIN_LISTINGS", 1)

    def no_processes_left(context):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(ingest._Context, "worker_pool", no_processes_left)
    report = run_refresh(app, [greenhouse_source(server)])
    assert "worker processes unavailable" in caplog.text
    assert [source.counts() for source in report.sources] == [source.counts() for source in serial.sources]
    assert report.sources[0].status == "ok" and stored(app) == expected


def test_a_database_error_while_starting_a_source_spares_the_one_being_stored(app, server, monkeypatch):
    source_state = ingest._source_state

    def broken_for_one(source):
        if source.name == "broken":
            db.session.execute(text("SELECT * FROM no_such_table"))  # on PostgreSQL this aborts the transaction
        return source_state(source)

    monkeypatch.setattr(ingest, "_source_state", broken_for_one)
    report = run_refresh(app, [greenhouse_source(server), greenhouse_source(server, name="broken")])
    good, broken = report.sources
    assert good.status == "ok" and good.new > 0  # started before "broken", stored after it failed to start
    assert broken.status == "failed" and "no_such_table" in broken.error
