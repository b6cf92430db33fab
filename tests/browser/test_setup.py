"""The setup checker in real Chromium: the in-browser speed test against the live portal, history, workspace."""

import re

import pytest
from playwright.sync_api import expect

SHORT_TEST = dict(SETUP_TEST_SECONDS=2, SETUP_TEST_GRACE_DOWN=0.4, SETUP_TEST_GRACE_UP=0.4, SETUP_TEST_PINGS=4)
NUMBER = re.compile(r"^\d+(\.\d+)? (Mbps|ms)$")


def run_test(page):
    page.get_by_role("button", name="Start the test").click()
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()
    expect(page.locator("#readiness")).to_be_visible(timeout=40_000)


@pytest.mark.app_config(**SHORT_TEST)
def test_anonymous_run_shows_figures_verdicts_and_grades(page):
    page.goto("/setup")
    run_test(page)
    for figure in ("download_mbps", "upload_mbps", "ping_ms", "jitter_ms", "loaded_latency_ms"):
        expect(page.locator(f'#speedtest-figures dd[data-figure="{figure}"]')).to_have_text(NUMBER)
    expect(page.locator("#speedtest-method")).to_contain_text("the portal itself received")
    cards = page.locator(".profile-card")
    expect(cards).to_have_count(5)
    expect(cards.first.locator("h3 .chip")).to_have_text(re.compile("Ready|Borderline|Not ready"))
    expect(page.locator('[data-profile="team_calls"] .check-list li')).to_have_count(6)
    expect(page.locator("#quality-list li")).to_have_count(4)
    expect(page.locator("#bufferbloat-grade .chip")).to_have_text(re.compile(r"^(A\+|[A-DF])$"))
    expect(page.locator("#speedtest-phase")).to_have_text("Test finished: the readiness report is below.")
    expect(page.locator("#speedtest-saved")).to_contain_text("Not saved")
    expect(page.locator("#speedtest-progress")).to_have_attribute("value", "100")
    assert page.console_errors == [], page.console_errors


@pytest.mark.app_config(**SHORT_TEST)
def test_logged_in_result_appears_in_history(page):
    page.goto("/accounts/register")
    page.get_by_label("Username").fill("tester")
    page.get_by_label("Email").fill("tester@example.org")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Confirm password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state("load")
    page.goto("/setup")
    run_test(page)
    expect(page.locator("#speedtest-saved")).to_contain_text("Saved to your setup history")
    page.get_by_role("link", name="your setup history").click()
    rows = page.locator("#history-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").first).to_have_text(re.compile(r"\d+\.\d Mbps"))
    expect(page.locator("#history-chart polyline")).to_have_count(2)
    assert page.console_errors == [], page.console_errors


@pytest.mark.app_config(SETUP_TEST_SECONDS=20, SETUP_TEST_PINGS=4)
def test_cancel_stops_the_test_cleanly(page):
    page.goto("/setup")
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("#speedtest-phase")).to_have_text(re.compile("download|upload"), timeout=15_000)
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#speedtest-phase")).to_have_text("Test cancelled. Start it again when you are ready.")
    expect(page.get_by_role("button", name="Start the test")).to_be_visible()
    expect(page.locator("#readiness")).to_be_hidden()


@pytest.mark.app_config(**SHORT_TEST)
def test_a_dropped_download_is_explained_in_plain_words(page):
    page.route(re.compile(r".*/speedtest/garbage.*"), lambda route: route.abort("connectionreset"))
    page.goto("/setup")
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("#speedtest-error")).to_contain_text("lost during the download test", timeout=20_000)
    expect(page.locator("#readiness")).to_be_hidden()


def test_workspace_shows_detected_facts_and_the_checklist(page):
    page.goto("/setup")
    facts = page.locator("#detected-facts")
    expect(facts.locator("dt").first).to_have_text("Processor cores")
    expect(facts.locator("dd").first).to_have_text(re.compile(r"^\d+$"))
    expect(facts).to_contain_text("pixels at")
    page.get_by_role("group", name=re.compile("second monitor")).get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Show my checklist").click()
    report = page.locator("#workspace-report")
    expect(report).to_contain_text("Cpu cores")
    expect(report).to_contain_text("keep the guidelines open")
    assert page.console_errors == [], page.console_errors
