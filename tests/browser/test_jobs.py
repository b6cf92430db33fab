"""The job board in real Chromium: search, filter, open a posting, save it, find it on the profile."""

import re

from playwright.sync_api import expect

from tests.jobs.factories import make_posting


def seed(live_server):
    with live_server.app.app_context():
        make_posting(title="Remote LiDAR annotator", company="PointCloud Co", remote="remote",
                     task_types=["bbox"], pay_min=18, pay_max=24, pay_currency="USD", pay_period="hour",
                     description_html="<p>Label <strong>LiDAR</strong> sweeps.</p>", description_text="Label LiDAR sweeps.")
        make_posting(title="Office LiDAR reviewer", company="Depth Ltd", remote="on-site", age_days=2,
                     description_text="Review LiDAR labels.")
        make_posting(title="Spanish transcriber", company="Voz", remote="remote", age_days=3)


def test_search_filter_open_save_and_see_it_on_the_profile(page, live_server):
    seed(live_server)
    page.goto("/accounts/register")
    page.get_by_label("Username").fill("finder")
    page.get_by_label("Email").fill("finder@example.org")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Confirm password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs").click()
    expect(page.locator(".result-count")).to_have_text("3 jobs")
    page.get_by_label("Search jobs").fill("lidar")
    page.get_by_label("Search jobs").press("Enter")
    expect(page.locator(".result-count")).to_contain_text("2 jobs")
    expect(page).to_have_url(re.compile(r"q=lidar"))

    page.locator(".jobs-more summary").click()
    page.get_by_label("Where").select_option("remote")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".result-count")).to_contain_text("1 job")
    expect(page).to_have_url(re.compile(r"remote=remote"))
    expect(page.locator(".job-card")).to_have_count(1)
    expect(page.locator(".job-card .job-pay")).to_have_text("$18–24 / hour")

    page.get_by_role("link", name="Remote LiDAR annotator").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remote LiDAR annotator")
    expect(page.locator(".job-description strong")).to_have_text("LiDAR")
    page.get_by_role("button", name=re.compile(r"^Save")).click()
    expect(page.locator(".flash-success")).to_contain_text("Saved")
    expect(page.get_by_role("button", name=re.compile(r"^Saved"))).to_have_attribute("aria-pressed", "true")

    page.get_by_role("link", name="Profile").click()
    saved = page.locator(".saved-jobs")
    expect(saved.get_by_role("link", name="Remote LiDAR annotator")).to_be_visible()
    assert page.console_errors == [], page.console_errors


def test_keyboard_reaches_the_filters_and_the_save_search_form(page, live_server):
    seed(live_server)
    page.goto("/jobs?q=transcriber")
    page.keyboard.press("/")
    expect(page.locator("#search-q")).to_be_focused()
    expect(page.locator(".result-count")).to_contain_text("1 job")
    country = page.get_by_label("Country code")
    page.locator(".jobs-more summary").focus()
    page.keyboard.press("Enter")
    expect(country).to_be_visible()
    country.fill("de1")
    expect(country).to_have_value("DE")
    assert page.console_errors == [], page.console_errors
