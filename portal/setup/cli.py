"""`flask setup speedtest`: measure this computer's connection with speedtest-cli and judge it for the job."""

import json
import sys

import click
from flask.cli import AppGroup

from portal.setup.speedtest import DEFAULT_TIMEOUT, SpeedtestUnavailable, portal_base_url, run_speedtest

setup_cli = AppGroup("setup", help="Check this computer's connection for remote annotation work.")


def checked_server(ctx, param, value):
    """Refuse an unusable --server before a minute is spent measuring (exit 2)."""
    if value is None:
        return None
    try:
        return portal_base_url(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def readiness_for(figures: dict, profile: str | None) -> dict:
    """S2's readiness report for these figures, one profile or all of them."""
    from portal.setup.readiness import Figures, readiness_report
    return readiness_report(Figures(**figures), profile=profile)


def check_profile(profile: str | None) -> None:
    """An unknown profile is a usage error found before measuring, not after."""
    from portal.setup.readiness import UnknownProfile
    try:
        readiness_for({"download_mbps": 1.0, "upload_mbps": 1.0, "ping_ms": 1.0, "jitter_ms": 1.0,
                       "loaded_latency_ms": 1.0}, profile)
    except UnknownProfile as error:
        raise click.BadParameter(str(error), param_hint="--profile") from None


def print_phase(phase: str, state: str, detail: dict) -> None:
    if state == "started":
        click.echo(f"{detail['label']}...", err=True)


def readable_report(result: dict) -> str:
    """The figures first, then the readiness report as indented lines."""
    lines = [f"Server:            {result['server']}",
             f"Measured at:       {result['measured_at']}",
             f"Download:          {result['download_mbps']:.2f} Mbit/s",
             f"Upload:            {result['upload_mbps']:.2f} Mbit/s",
             f"Ping:              {result['ping_ms']:.1f} ms",
             f"Jitter:            {result['jitter_ms']:.1f} ms"]
    loaded = result["loaded_latency_ms"]
    lines.append("Latency under load: " + ("not measured" if loaded is None else f"{loaded:.1f} ms"))
    lines += ["", "Readiness:"]
    lines += report_lines(result["readiness"], indent="  ")
    return "\n".join(lines)


def report_lines(value, indent: str) -> list[str]:
    """Any JSON-like readiness report as readable indented lines, whatever its exact shape."""
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                lines.append(f"{indent}{key}:")
                lines += report_lines(item, indent + "  ")
            else:
                lines.append(f"{indent}{key}: {item}")
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, (dict, list)):
                nested = report_lines(item, indent + "  ")
                lines.append(f"{indent}- {nested[0].strip()}" if nested else f"{indent}-")
                lines += nested[1:]
            else:
                lines.append(f"{indent}- {item}")
        return lines
    return [f"{indent}{value}"]


@setup_cli.command("speedtest")
@click.option("--server", metavar="URL", callback=checked_server,
              help="A portal to test against, e.g. http://localhost:5000 (default: speedtest.net, HTTPS).")
@click.option("--profile", metavar="NAME",
              help="Judge readiness for this profile only (default: every profile).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a readable report.")
@click.option("--timeout", type=click.FloatRange(5, 600), default=DEFAULT_TIMEOUT, show_default=True,
              help="Give up after this many seconds.")
def speedtest_command(server, profile, as_json, timeout):
    """Measure download, upload, ping, jitter and latency under load, then judge readiness.

    Exit status: 0 measured, 1 the measurement failed (the message says why), 2 unusable arguments.
    """
    check_profile(profile)
    try:
        figures = run_speedtest(server, on_phase=None if as_json else print_phase, timeout=timeout)
    except SpeedtestUnavailable as error:
        click.echo(f"Speed test failed: {error.message}\nWhat to try: {error.remedy}", err=True)
        sys.exit(1)
    result = {**figures.as_dict(), "readiness": readiness_for(figures.readiness_figures(), profile)}
    click.echo(json.dumps(result) if as_json else readable_report(result))
