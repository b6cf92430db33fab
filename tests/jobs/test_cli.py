"""The `flask jobs` commands: refresh with its summary and exit codes, and the demo snapshot."""

import pytest
from sqlalchemy import select

from portal.db_types import utcnow
from portal.extensions import db
from portal.jobs.cli import jobs_cli
from portal.jobs.models import JobPosting, JobPostingSource
from tests.jobs.loopback import FIXTURES, LoopbackServer, unused_port

DEMO_POSTINGS = 35  # content/jobs/demo/README.md explains the count


@pytest.fixture
def jobs_runner(app):
    """A CLI runner that has the jobs group even before the blueprint registers it."""
    if "jobs" not in app.cli.commands:
        app.cli.add_command(jobs_cli)
    return app.test_cli_runner()


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


def write_sources(tmp_path, server) -> str:
    good = server.serve_fixture("/northwind", "greenhouse/northwinddata_jobs.json")
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[[source]]\nname = "northwind"\nkind = "greenhouse"\nurl = "{good}"\n\n'
        f'[[source]]\nname = "gone"\nkind = "lever"\nurl = "http://127.0.0.1:{unused_port()}/x"\n'
        f'company = "Gone"\n')
    return str(path)


def posting_count(app, **filters) -> int:
    with app.app_context():
        return db.session.query(JobPosting).filter_by(**filters).count()


def test_refresh_prints_a_summary_and_exits_0_despite_a_failed_source(app, jobs_runner, server, tmp_path):
    result = jobs_runner.invoke(args=["jobs", "refresh", "--sources", write_sources(tmp_path, server)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("source"))
    assert header.split() == ["source", "status", "fetched", "new", "updated", "merged", "closed", "skipped"]
    northwind = next(line for line in lines if line.startswith("northwind")).split()
    assert northwind[1] == "ok" and int(northwind[3]) == posting_count(app) > 0
    assert "FAILED gone: connection refused" in result.output
    assert "1 of 2 source(s) refreshed, 1 failed." in result.output


def test_refresh_lists_why_listings_were_skipped_on_request(app, jobs_runner, server, tmp_path):
    path = write_sources(tmp_path, server)
    quiet = jobs_runner.invoke(args=["jobs", "refresh", "--sources", path])
    assert "Skipped at" not in quiet.output
    listed = jobs_runner.invoke(args=["jobs", "refresh", "--sources", path, "--skipped"])
    assert listed.exit_code == 0, listed.output
    section = listed.output.split("Skipped at northwind:", 1)[1]
    assert "Account Executive" in section and "title matches excluded 'account executive'" in section
    assert "Skipped at gone" not in listed.output  # a failed source skipped nothing


def test_refresh_of_one_source(app, jobs_runner, server, tmp_path):
    path = write_sources(tmp_path, server)
    result = jobs_runner.invoke(args=["jobs", "refresh", "--sources", path, "--source", "northwind"])
    assert result.exit_code == 0 and "FAILED" not in result.output
    assert "1 of 1 source(s) refreshed" in result.output


def test_an_unknown_source_name_is_a_usage_error(app, jobs_runner, server, tmp_path):
    path = write_sources(tmp_path, server)
    result = jobs_runner.invoke(args=["jobs", "refresh", "--sources", path, "--source", "nope"])
    assert result.exit_code == 1
    assert "no source named 'nope' is configured; configured: northwind, gone" in result.output
    assert not server.requests


def test_an_unreadable_sources_file_is_a_usage_error(app, jobs_runner, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[[source]\nname = ")
    result = jobs_runner.invoke(args=["jobs", "refresh", "--sources", str(broken)])
    assert result.exit_code == 1 and "not valid TOML" in result.output
    missing = jobs_runner.invoke(args=["jobs", "refresh", "--sources", str(tmp_path / "missing.toml")])
    assert missing.exit_code == 1 and "no such file" in missing.output
    assert posting_count(app) == 0


def test_load_demo_loads_the_snapshot_once(app, jobs_runner):
    first = jobs_runner.invoke(args=["jobs", "load-demo"])
    assert first.exit_code == 0, first.output
    assert "Sample jobs loaded" in first.output and "FAILED" not in first.output
    assert posting_count(app) == posting_count(app, is_sample=True) == DEMO_POSTINGS
    with app.app_context():
        links_before = db.session.query(JobPostingSource).count()
        flagged = db.session.execute(select(JobPosting.company).where(JobPosting.is_flagged)).scalars().all()
        fasttrack_flags = db.session.execute(select(JobPosting.flags)
                                             .where(JobPosting.company == "FastTrack AI Ratings")).scalar_one()
        merged = db.session.execute(select(JobPostingSource.posting_id)
                                    .group_by(JobPostingSource.posting_id)
                                    .having(db.func.count() > 1)).scalars().all()
    assert len(flagged) == 2 and "FastTrack AI Ratings" in flagged
    assert fasttrack_flags and all(set(flag) == {"code", "message"} and flag["message"] for flag in fasttrack_flags)
    assert "asks_for_payment" in {flag["code"] for flag in fasttrack_flags}
    assert len(merged) == 3 and links_before == DEMO_POSTINGS + 3

    second = jobs_runner.invoke(args=["jobs", "load-demo"])
    assert second.exit_code == 0
    total_line = next(line for line in second.output.splitlines() if line.startswith("total")).split()
    assert total_line[2:6] == ["0", "0", "0", "0"]  # new, updated, merged, closed
    assert posting_count(app) == DEMO_POSTINGS
    with app.app_context():
        assert db.session.query(JobPostingSource).count() == links_before


def test_the_demo_is_fresh(app, jobs_runner):
    jobs_runner.invoke(args=["jobs", "load-demo"])
    with app.app_context():
        newest = db.session.execute(select(JobPosting.posted_at).order_by(JobPosting.posted_at.desc())
                                    .limit(1)).scalar_one()
        expired_open = db.session.query(JobPosting).filter(JobPosting.closed_at.is_(None),
                                                           JobPosting.expires_at < utcnow()).count()
    assert 0 <= (utcnow() - newest).total_seconds() < 86400
    assert expired_open == 0


@pytest.mark.app_config(PORTAL_DEMO_DATA=False)
def test_load_demo_can_be_switched_off(app, jobs_runner):
    result = jobs_runner.invoke(args=["jobs", "load-demo"])
    assert result.exit_code == 0 and "PORTAL_DEMO_DATA=0" in result.output
    assert posting_count(app) == 0


def test_demo_files_are_all_listed():
    listed = (FIXTURES.parents[2] / "content" / "jobs" / "demo" / "sources.toml").read_text()
    demo_dir = FIXTURES.parents[2] / "content" / "jobs" / "demo"
    data_files = {path.name for path in demo_dir.iterdir() if path.name not in ("sources.toml", "README.md")}
    assert data_files and all(f'file = "{name}"' in listed for name in data_files)
