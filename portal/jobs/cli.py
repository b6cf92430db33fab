"""`flask jobs ...`: refresh the job sources, and load the bundled demo snapshot."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.jobs.config import SourcesConfigError, load_sources
from portal.jobs.ingest import RefreshReport, UnknownSource, load_demo_sources, refresh
from portal.jobs.relevance import RelevanceRulesError

jobs_cli = AppGroup("jobs", help="Job board commands: refresh the sources, load the demo snapshot.")

SUMMARY_COLUMNS = ("fetched", "new", "updated", "merged", "closed", "skipped")


@jobs_cli.command("refresh")
@click.option("--sources", "sources_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The sources TOML file (default: $PORTAL_JOB_SOURCES, else content/jobs/sources.toml).")
@click.option("--source", "only", default=None, metavar="NAME", help="Refresh only the source with this name.")
@click.option("--skipped", "show_skipped", is_flag=True,
              help="Also list why listings were skipped (not annotation work, closed, unusable), the first 20 a source.")
def refresh_command(sources_path: Path | None, only: str | None, show_skipped: bool):
    """Fetch every enabled job source and update the board (exit 0 even when some sources fail)."""
    try:
        sources = load_sources(sources_path)
    except SourcesConfigError as error:
        raise click.ClickException(str(error)) from None
    report = _run(sources, only=only, demo=False)
    _echo_summary(report)
    if show_skipped:
        _echo_skip_reasons(report)


@jobs_cli.command("load-demo")
def load_demo_command():
    """Load the bundled sample postings without network access (safe to run again; PORTAL_DEMO_DATA=0 skips it)."""
    if not current_app.config["PORTAL_DEMO_DATA"]:
        click.echo("Demo data disabled (PORTAL_DEMO_DATA=0): no sample jobs loaded.")
        return
    try:
        sources = load_demo_sources(Path(current_app.config["CONTENT_DIR"]) / "jobs" / "demo")
    except SourcesConfigError as error:
        raise click.ClickException(str(error)) from None
    report = _run(sources, only=None, demo=True)
    _echo_summary(report)
    if not report.locked:
        click.echo("Sample jobs loaded: they are marked as samples on the board (set PORTAL_DEMO_DATA=0 to skip).")


def _run(sources, *, only: str | None, demo: bool) -> RefreshReport:
    """Refresh with a progress bar on stderr; configuration mistakes become a clean non-zero exit."""
    chosen = [source for source in sources if only is None or source.name == only]
    label = "Loading the demo snapshot" if demo else "Refreshing job sources"
    with click.progressbar(length=len(chosen), label=label, file=sys.stderr,
                           item_show_func=lambda name: name or "") as bar:
        try:
            return refresh(sources, only=only, demo=demo, progress=lambda source: bar.update(1, source.name))
        except (UnknownSource, RelevanceRulesError) as error:
            raise click.ClickException(str(error)) from None


def _echo_summary(report: RefreshReport) -> None:
    """A table with one row per source and a total; failures with their reasons below it."""
    if report.locked:
        click.echo(f"Nothing done: {report.locked}.")
        return
    width = max([len("source"), *(len(source.name) for source in report.sources)])
    header = f"{'source':<{width}}  {'status':<12}" + "".join(f"{column:>9}" for column in SUMMARY_COLUMNS)
    click.echo(header)
    click.echo("-" * len(header))
    totals = dict.fromkeys(SUMMARY_COLUMNS, 0)
    for source in report.sources:
        counts = source.counts()
        for column in SUMMARY_COLUMNS:
            totals[column] += counts[column]
        click.echo(f"{source.name:<{width}}  {source.status:<12}"
                   + "".join(f"{counts[column]:>9}" for column in SUMMARY_COLUMNS))
    click.echo("-" * len(header))
    click.echo(f"{'total':<{width}}  {'':<12}" + "".join(f"{totals[column]:>9}" for column in SUMMARY_COLUMNS))
    if report.expired:
        click.echo(f"{report.expired} posting(s) closed because their closing date passed.")
    for source in report.failed:
        click.echo(f"FAILED {source.name}: {source.error}")
    ok = sum(1 for source in report.sources if source.status in ("ok", "not_modified", "too_soon"))
    click.echo(f"{ok} of {len(report.sources)} source(s) refreshed, {len(report.failed)} failed.")


def _echo_skip_reasons(report: RefreshReport) -> None:
    """Each source's skipped listings with the reason, to tune the relevance rules or spot a broken feed."""
    for source in report.sources:
        if source.skip_reasons:
            shown = len(source.skip_reasons)
            more = f" (first {shown} of {source.skipped})" if source.skipped > shown else ""
            click.echo(f"\nSkipped at {source.name}{more}:")
            for reason in source.skip_reasons:
                click.echo(f"  - {reason}")
