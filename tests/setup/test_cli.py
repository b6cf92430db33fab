"""`flask setup speedtest` against a live portal on loopback, and its failures."""

import json
import socket


JSON_KEYS = {"download_mbps", "upload_mbps", "ping_ms", "jitter_ms", "loaded_latency_ms", "server",
             "measured_at", "readiness"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_json_report_against_a_live_portal(live_server):  # noqa: F811
    runner = live_server.app.test_cli_runner()
    result = runner.invoke(args=["setup", "speedtest", "--server", live_server.url, "--json",
                                 "--timeout", "12"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == JSON_KEYS
    assert payload["download_mbps"] > 0 and payload["upload_mbps"] > 0 and payload["ping_ms"] > 0
    assert payload["server"] == live_server.url
    assert payload["measured_at"].endswith("+00:00")
    assert isinstance(payload["readiness"], dict) and payload["readiness"]


def test_readable_report_shows_phases_figures_and_readiness(live_server):  # noqa: F811
    runner = live_server.app.test_cli_runner()
    result = runner.invoke(args=["setup", "speedtest", "--server", live_server.url, "--timeout", "12"])
    assert result.exit_code == 0, result.output
    assert "Measuring download..." in result.stderr
    assert "Download:" in result.stdout and "Mbit/s" in result.stdout
    assert "Readiness:" in result.stdout


def test_unknown_profile_is_a_usage_error_before_measuring(runner):
    result = runner.invoke(args=["setup", "speedtest", "--server", f"http://127.0.0.1:{free_port()}",
                                 "--profile", "no-such-profile"])
    assert result.exit_code == 2
    assert "no-such-profile" in result.output
    assert "refused" not in result.output  # it stopped before trying the server


def test_unusable_server_address_is_a_usage_error(runner):
    result = runner.invoke(args=["setup", "speedtest", "--server", "ftp://example.org"])
    assert result.exit_code == 2
    assert "http://" in result.output


def test_unreachable_server_prints_message_and_remedy(runner):
    result = runner.invoke(args=["setup", "speedtest", "--server", f"http://127.0.0.1:{free_port()}",
                                 "--json"])
    assert result.exit_code == 1
    assert "connection was refused" in result.stderr
    assert "What to try:" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output
