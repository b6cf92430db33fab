"""refresh() end to end: recorded source responses served over loopback HTTP into the database."""

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select, update

from portal.db_types import utcnow
from portal.extensions import db
from portal.jobs import ingest
from portal.jobs.fetch import HostPacer
from portal.jobs.models import JobPosting, JobPostingSource, JobRefreshLock, JobSource
from portal.jobs.posting import SourceConfig
from tests.jobs.loopback import FIXTURES, LoopbackServer, Reply, unused_port

GREENHOUSE_FIXTURE = FIXTURES / "greenhouse" / "northwinddata_jobs.json"
NORTHWIND = "Northwind Data Labs"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


def run_refresh(app, sources, **options):
    """refresh() in an app context, without pacing and with quick retries."""
    with app.app_context():
        return ingest.refresh(sources, pacer=HostPacer(0), fetch_options={"backoff": 0.01, "retries": 1},
                              **options)


def greenhouse_body(drop=(), retitle=None) -> bytes:
    """The Northwind Greenhouse fixture, with some jobs removed or one retitled."""
    document = json.loads(GREENHOUSE_FIXTURE.read_text())
    document["jobs"] = [job for job in document["jobs"] if job["id"] not in drop]
    for job in document["jobs"]:
        if retitle and job["id"] == retitle[0]:
            job["title"] = retitle[1]
    return json.dumps(document).encode()


def greenhouse_source(server, body=None, name="northwind", **reply_fields) -> SourceConfig:
    url = server.serve(f"/{name}", Reply(body=body or GREENHOUSE_FIXTURE.read_bytes(),
                                         headers={"Content-Type": "application/json"}, **reply_fields))
    return SourceConfig(name=name, kind="greenhouse", url=url)


def postings(app) -> list[JobPosting]:
    with app.app_context():
        rows = db.session.execute(select(JobPosting).order_by(JobPosting.id)).scalars().all()
        for row in rows:
            _ = [link.source_name for link in row.links]  # load links before the context closes
        db.session.expunge_all()
        return rows


def open_titles(app) -> set[str]:
    return {posting.title for posting in postings(app) if posting.closed_at is None}


def test_first_refresh_stores_the_relevant_postings(app, server):
    report = run_refresh(app, [greenhouse_source(server)])
    [source_report] = report.sources
    assert source_report.status == "ok" and source_report.error is None
    stored = postings(app)
    assert source_report.new == len(stored) >= 3
    assert source_report.fetched == 7
    assert source_report.skipped == source_report.fetched - source_report.new
    titles = {posting.title for posting in stored}
    assert "Data Annotator – Image Bounding Boxes (Contract)" in titles
    assert not any("Account Executive" in title or "Software Engineer" in title for title in titles)
    assert any("Account Executive" in reason for reason in source_report.skip_reasons)
    annotator = next(posting for posting in stored if posting.title.startswith("Data Annotator"))
    assert annotator.company == NORTHWIND and annotator.company_key == "northwind data labs"
    assert len(annotator.fingerprint) == 64 and annotator.hourly_min_usd == 18
    assert annotator.posted_at is not None and annotator.posted_at.tzinfo is not None
    assert [(link.source_name, link.external_id) for link in annotator.links] == [("northwind", "4012345001")]
    assert "<script" not in annotator.description_html
    # JSON columns read back as the lists they were (PostgreSQL receives new rows through COPY)
    assert (annotator.task_types, annotator.countries, annotator.languages, annotator.flags) == (["bbox"], ["US"], [], [])
    trainer = next(posting for posting in stored if posting.title.startswith("AI Trainer"))
    assert (trainer.countries, trainer.languages) == (["MX"], ["Spanish"])
    with app.app_context():
        row = db.session.execute(select(JobSource)).scalar_one()
        assert (row.name, row.last_status, row.last_counts["new"]) == ("northwind", "ok", len(stored))
        assert db.session.query(JobRefreshLock).count() == 0  # released


def test_a_second_run_changes_nothing_and_a_304_only_touches_last_run(app, server):
    source = greenhouse_source(server, etag='"v1"')
    run_refresh(app, [source])
    before = [(posting.id, posting.title, posting.closed_at) for posting in postings(app)]
    report = run_refresh(app, [source])
    assert report.sources[0].status == "not_modified"
    assert server.hits("/northwind")[1].headers["If-None-Match"] == '"v1"'
    assert [(posting.id, posting.title, posting.closed_at) for posting in postings(app)] == before
    with app.app_context():
        assert db.session.execute(select(JobSource.last_status)).scalar_one() == "not_modified"


def test_validators_go_with_the_endpoint_even_when_its_url_is_longer_than_the_column(app, server):
    long_path = "/northwind" + "/x" * 1100  # over the 2 000-character URL column
    url = server.serve(long_path, Reply(body=GREENHOUSE_FIXTURE.read_bytes(),
                                        headers={"Content-Type": "application/json"}, etag='"v1"'))
    source = SourceConfig(name="northwind", kind="greenhouse", url=url)
    run_refresh(app, [source])
    assert run_refresh(app, [source]).sources[0].status == "not_modified"  # the stored, cut URL still matches
    moved = greenhouse_source(server, name="northwind-moved", etag='"v1"')
    run_refresh(app, [SourceConfig(name="northwind", kind="greenhouse", url=moved.url)])
    assert "If-None-Match" not in server.hits("/northwind-moved")[0].headers  # another endpoint: no validators


def test_an_unchanged_body_without_validators_counts_nothing_new(app, server):
    source = greenhouse_source(server)
    first = run_refresh(app, [source]).sources[0]
    second = run_refresh(app, [source]).sources[0]
    assert first.new > 0
    assert (second.new, second.updated, second.closed, second.merged) == (0, 0, 0, 0)
    assert len(postings(app)) == first.new


def test_a_changed_title_is_an_update(app, server):
    run_refresh(app, [greenhouse_source(server)])
    changed = greenhouse_body(retitle=(4012345007, "Video Annotation QA Reviewer (Night Shift)"))
    report = run_refresh(app, [greenhouse_source(server, body=changed)]).sources[0]
    assert (report.new, report.updated, report.closed) == (0, 1, 0)
    assert "Video Annotation QA Reviewer (Night Shift)" in open_titles(app)


def test_a_vanished_posting_closes_and_reopens_when_it_returns(app, server):
    first = run_refresh(app, [greenhouse_source(server)]).sources[0]
    report = run_refresh(app, [greenhouse_source(server, body=greenhouse_body(drop={4012345007}))]).sources[0]
    assert report.closed == 1 and report.new == 0
    [gone] = [posting for posting in postings(app) if posting.title == "Video Annotation QA Reviewer"]
    assert gone.closed_at is not None and gone.links[0].closed_at is not None  # kept for history
    assert len(postings(app)) == first.new

    back = run_refresh(app, [greenhouse_source(server)]).sources[0]
    assert (back.new, back.updated, back.closed) == (0, 1, 0)
    [returned] = [posting for posting in postings(app) if posting.title == "Video Annotation QA Reviewer"]
    assert returned.id == gone.id and returned.closed_at is None and returned.links[0].closed_at is None


def test_an_expired_posting_is_closed_by_any_refresh(app, server):
    source = greenhouse_source(server, etag='"v1"')
    run_refresh(app, [source])
    with app.app_context():
        target = db.session.execute(select(JobPosting.id).order_by(JobPosting.id)).scalars().first()
        db.session.execute(update(JobPosting).where(JobPosting.id == target)
                           .values(expires_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    report = run_refresh(app, [source])
    assert report.sources[0].status == "not_modified" and report.expired == 1
    closed = [posting.id for posting in postings(app) if posting.closed_at is not None]
    assert closed == [target]


def test_a_listing_already_past_its_closing_date_is_skipped(app, server):
    page = (FIXTURES / "jsonld" / "lumen_careers_page.html").read_text()
    assert "validThrough" in page
    expired_page = page.replace('"validThrough": "2026-12-31T23:59"', '"validThrough": "2025-12-31T23:59"')
    assert expired_page != page
    url = server.serve("/lumen", Reply(body=expired_page.encode()))
    report = run_refresh(app, [SourceConfig(name="lumen", kind="jsonld", url=url)]).sources[0]
    assert any("already closed" in reason for reason in report.skip_reasons)


def rss_feed(items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (title, link, description) items by Northwind."""
    entries = "".join(
        f"<item><title>{title}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
        f"<pubDate>Mon, 02 Nov 2026 14:05:00 +0000</pubDate><dc:creator>{NORTHWIND}</dc:creator>"
        f"<description><![CDATA[{description}]]></description></item>"
        for title, link, description in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Annotation jobs</title>'
            f"<link>https://board.example/</link><description>jobs</description>{entries}</channel></rss>").encode()


def test_the_same_job_on_two_sources_is_one_posting_with_both_links(app, server):
    greenhouse = greenhouse_source(server)
    feed = rss_feed([(
        f"{NORTHWIND}: Data Annotator – Image Bounding Boxes",
        "https://job-boards.greenhouse.io/northwinddata/jobs/4012345001?gh_src=board&utm_source=feed",
        "<p>Draw tight bounding boxes around cars, cyclists and pedestrians. $18-$22 per hour.</p>")])
    aggregator = SourceConfig(name="board", kind="rss", url=server.serve("/feed.rss", Reply(body=feed)),
                              company=NORTHWIND)
    report = run_refresh(app, [greenhouse, aggregator])
    greenhouse_report, feed_report = report.sources
    assert feed_report.status == "ok" and (feed_report.new, feed_report.merged) == (0, 1)
    stored = postings(app)
    assert len(stored) == greenhouse_report.new
    [merged] = [posting for posting in stored if len(posting.links) == 2]
    assert [link.source_name for link in merged.links] == ["northwind", "board"]
    assert merged.title == "Data Annotator – Image Bounding Boxes (Contract)"  # the first source's fields win

    # The posting stays open while either source lists it.
    run_refresh(app, [greenhouse_source(server, body=greenhouse_body(drop={4012345001})), aggregator])
    [still_open] = [posting for posting in postings(app) if posting.id == merged.id]
    assert still_open.closed_at is None
    assert {link.source_name: link.closed_at is None for link in still_open.links} == {"northwind": False,
                                                                                     "board": True}


def test_same_company_title_and_location_merge_by_fingerprint(app, server):
    run_refresh(app, [greenhouse_source(server)])
    lever_body = json.dumps([{
        "id": "aaaa-1", "text": "Video Annotation QA Reviewer", "createdAt": 1792224000000,
        "categories": {"location": "Remote - Canada", "commitment": "Contract"},
        "description": "<p>Review video annotations for quality and consistency.</p>",
        "descriptionPlain": "Review video annotations for quality and consistency.", "lists": [],
        "hostedUrl": "https://jobs.lever.co/northwind/aaaa-1", "applyUrl": "https://jobs.lever.co/northwind/aaaa-1/apply",
    }]).encode()
    url = server.serve("/lever", Reply(body=lever_body))
    report = run_refresh(app, [SourceConfig(name="northwind-lever", kind="lever", url=url, company=NORTHWIND)])
    assert report.sources[0].error is None and (report.sources[0].new, report.sources[0].merged) == (0, 1)
    [merged] = [posting for posting in postings(app) if posting.title == "Video Annotation QA Reviewer"]
    assert sorted(link.source_name for link in merged.links) == ["northwind", "northwind-lever"]


def test_a_different_role_at_the_same_company_is_not_merged(app, server):
    run_refresh(app, [greenhouse_source(server)])
    count = len(postings(app))
    feed = rss_feed([(f"{NORTHWIND}: LiDAR Point Cloud Annotator", "https://board.example/jobs/lidar-1",
                      "<p>Label 3D point clouds from roof-mounted LiDAR. Cuboids around vehicles.</p>")])
    report = run_refresh(app, [SourceConfig(name="board", kind="rss", company=NORTHWIND,
                                            url=server.serve("/feed.rss", Reply(body=feed)))])
    assert (report.sources[0].new, report.sources[0].merged) == (1, 0)
    assert len(postings(app)) == count + 1


def test_broken_sources_are_reported_and_never_stop_the_good_ones(app, server):
    good = greenhouse_source(server)
    missing = SourceConfig(name="missing", kind="greenhouse",
                           url=server.serve_fixture("/missing", "greenhouse/board_not_found.json", status=404))
    error_page = SourceConfig(name="error-page", kind="greenhouse",
                              url=server.serve_fixture("/error", "malformed/html_error_page.html"))
    refused = SourceConfig(name="refused", kind="lever", url=f"http://127.0.0.1:{unused_port()}/x")
    lever = SourceConfig(name="brightlabel", kind="lever", company="Brightlabel",
                         url=server.serve_fixture("/lever", "lever/brightlabel_postings.json"))
    report = run_refresh(app, [missing, good, error_page, refused, lever])
    by_name = {source.name: source for source in report.sources}
    assert by_name["missing"].error == "HTTP 404 Not Found"
    assert by_name["error-page"].status == "failed" and by_name["error-page"].error.startswith("unreadable response")
    assert by_name["refused"].error == "connection refused"
    assert by_name["northwind"].status == by_name["brightlabel"].status == "ok"
    assert [source.name for source in report.failed] == ["missing", "error-page", "refused"]
    companies = {posting.company for posting in postings(app)}
    assert companies == {NORTHWIND, "Brightlabel"}
    with app.app_context():
        rows = {row.name: row for row in db.session.execute(select(JobSource)).scalars()}
        assert rows["missing"].last_status == "failed" and rows["missing"].last_error == "HTTP 404 Not Found"
        assert rows["northwind"].last_status == "ok"


def test_a_failed_fetch_keeps_the_source_postings_open(app, server):
    run_refresh(app, [greenhouse_source(server)])
    url = server.serve("/northwind", Reply(status=500))
    report = run_refresh(app, [SourceConfig(name="northwind", kind="greenhouse", url=url)])
    assert report.sources[0].error == "HTTP 500 Internal Server Error"
    assert postings(app) and all(posting.closed_at is None for posting in postings(app))


def test_a_crash_mid_source_keeps_its_previous_data(app, server, monkeypatch):
    run_refresh(app, [greenhouse_source(server, etag='"v1"')])
    before = [(posting.id, posting.title, posting.closed_at) for posting in postings(app)]
    with app.app_context():
        etag_before = db.session.execute(select(JobSource.etag)).scalar_one()

    store = ingest._store_listings

    def store_then_crash(source_name, *args, **kwargs):
        store(source_name, *args, **kwargs)  # every posting and link write of the source is done
        if source_name == "northwind":
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(ingest, "_store_listings", store_then_crash)
    changed = greenhouse_body(drop={4012345001}, retitle=(4012345007, "Video Annotation QA Reviewer (Night Shift)"))
    lever = SourceConfig(name="brightlabel", kind="lever", company="Brightlabel",
                         url=server.serve_fixture("/lever", "lever/brightlabel_postings.json"))
    report = run_refresh(app, [greenhouse_source(server, body=changed, etag='"v2"'), lever])
    crashed, other = report.sources
    assert crashed.status == "failed" and "RuntimeError: disk on fire" in crashed.error
    assert other.status == "ok" and other.new > 0
    monkeypatch.undo()
    northwind_now = [(posting.id, posting.title, posting.closed_at) for posting in postings(app)
                     if posting.company == NORTHWIND]
    assert northwind_now == before
    with app.app_context():
        row = db.session.execute(select(JobSource).filter_by(name="northwind")).scalar_one()
        assert row.etag == etag_before == '"v1"' and row.last_status == "failed"
        assert db.session.query(JobPostingSource).filter_by(source_name="northwind").count() == len(before)
    recovered = run_refresh(app, [greenhouse_source(server, body=changed, etag='"v2"')]).sources[0]
    assert recovered.status == "ok" and recovered.closed == 1 and recovered.updated == 1


def test_a_running_refresh_blocks_another(app, server):
    with app.app_context():
        now = utcnow()
        db.session.add(JobRefreshLock(name=ingest.LOCK_NAME, holder="elsewhere:42", acquired_at=now,
                                      expires_at=now + timedelta(minutes=10)))
        db.session.commit()
    report = run_refresh(app, [greenhouse_source(server)])
    assert report.locked.startswith("another refresh is running (since ") and "elsewhere:42" in report.locked
    assert report.sources == [] and not server.hits("/northwind") and postings(app) == []
    with app.app_context():
        assert db.session.execute(select(JobRefreshLock.holder)).scalar_one() == "elsewhere:42"


def test_a_stale_lock_is_taken_over(app, server):
    with app.app_context():
        now = utcnow()
        db.session.add(JobRefreshLock(name=ingest.LOCK_NAME, holder="crashed:1", acquired_at=now - timedelta(hours=2),
                                      expires_at=now - timedelta(hours=1)))
        db.session.commit()
    report = run_refresh(app, [greenhouse_source(server)])
    assert report.locked is None and report.sources[0].new > 0
    with app.app_context():
        assert db.session.query(JobRefreshLock).count() == 0


def test_two_refreshes_started_together_insert_once(app, server):
    gate = threading.Event()
    source = greenhouse_source(server, gate=gate)
    start = threading.Barrier(2)
    reports = []

    def refresh_in_thread():
        start.wait()
        reports.append(run_refresh(app, [source]))

    threads = [threading.Thread(target=refresh_in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    assert server.wait_for_hit("/northwind")
    gate.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(reports) == 2
    locked = [report for report in reports if report.locked]
    ran = [report for report in reports if not report.locked]
    assert len(locked) == 1 and len(ran) == 1
    assert "another refresh is running" in locked[0].locked
    assert len(server.hits("/northwind")) == 1
    assert len(postings(app)) == ran[0].sources[0].new > 0


SUBPROCESS_REFRESH = """
import json, sys
from portal.app import create_app
from portal.jobs.fetch import HostPacer
from portal.jobs.ingest import refresh
from portal.jobs.posting import SourceConfig
app = create_app({"TESTING": True, "SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "RATELIMIT_STORAGE_URI": "memory://"})
with app.app_context():
    report = refresh([SourceConfig(name="northwind", kind="greenhouse", url=sys.argv[2])], pacer=HostPacer(0))
print(json.dumps({"locked": report.locked, "new": [source.new for source in report.sources]}))
"""


def test_a_refresh_in_another_process_is_refused_while_one_runs(app, server):
    gate = threading.Event()
    source = greenhouse_source(server, gate=gate)
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start():
        return subprocess.Popen([sys.executable, "-c", SUBPROCESS_REFRESH, database_url, source.url],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)

    first = start()
    try:
        assert server.wait_for_hit("/northwind"), "the first refresh never fetched"
        second = start()
        second_out, second_err = second.communicate(timeout=60)
    finally:
        gate.set()
    first_out, first_err = first.communicate(timeout=60)
    assert second.returncode == 0, second_err
    assert first.returncode == 0, first_err
    second_result, first_result = json.loads(second_out), json.loads(first_out)
    assert second_result == {"locked": second_result["locked"], "new": []}
    assert second_result["locked"].startswith("another refresh is running (since ")
    assert first_result["locked"] is None and first_result["new"][0] > 0
    assert len(postings(app)) == first_result["new"][0]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(JobRefreshLock)).scalar_one() == 0


def test_only_refreshes_one_source_and_rejects_an_unknown_name(app, server):
    good = greenhouse_source(server)
    lever = SourceConfig(name="brightlabel", kind="lever", company="Brightlabel",
                         url=server.serve_fixture("/lever", "lever/brightlabel_postings.json"))
    report = run_refresh(app, [good, lever], only="brightlabel")
    assert [source.name for source in report.sources] == ["brightlabel"]
    assert not server.hits("/northwind")
    with pytest.raises(ingest.UnknownSource, match="no source named 'nope'"):
        run_refresh(app, [good, lever], only="nope")


def test_a_disabled_source_is_not_fetched(app, server):
    source = SourceConfig(name="off", kind="greenhouse", url=server.serve_fixture("/off", "greenhouse/empty_board.json"),
                          enabled=False)
    report = run_refresh(app, [source])
    assert report.sources[0].status == "disabled" and not server.hits("/off")


def test_an_empty_board_closes_everything_it_listed(app, server):
    first = run_refresh(app, [greenhouse_source(server)]).sources[0]
    empty = (FIXTURES / "greenhouse" / "empty_board.json").read_bytes()
    report = run_refresh(app, [greenhouse_source(server, body=empty)]).sources[0]
    assert report.status == "ok" and report.closed == first.new
    assert all(posting.closed_at is not None for posting in postings(app))


def test_remotive_is_fetched_at_most_once_per_its_interval(app, server):
    url = server.serve("/remotive", Reply(body=(FIXTURES / "remotive" / "remote_jobs_annotation.json").read_bytes(),
                                          headers={"Content-Type": "application/json"}))
    source = SourceConfig(name="remotive", kind="remotive", url=url)
    first = run_refresh(app, [source])
    assert first.sources[0].status == "ok" and first.sources[0].new > 0
    second = run_refresh(app, [source])
    assert second.sources[0].status == "too_soon"
    assert len(server.hits("/remotive")) == 1
    stored = len(postings(app))
    with app.app_context():
        db.session.execute(update(JobSource).values(last_success_at=utcnow() - timedelta(hours=7)))
        db.session.commit()
    third = run_refresh(app, [source])
    assert third.sources[0].status in ("ok", "not_modified") and len(server.hits("/remotive")) == 2
    assert len(postings(app)) == stored
