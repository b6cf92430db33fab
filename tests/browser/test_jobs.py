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

    expect(page.locator(".jobs-more")).to_have_attribute("open", "")  # open from the start on a wide screen
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
    expect(country).to_be_visible()
    page.locator(".jobs-more summary").focus()
    page.keyboard.press("Enter")
    expect(country).to_be_hidden()
    page.keyboard.press("Enter")
    expect(country).to_be_visible()
    country.fill("de1")
    expect(country).to_have_value("DE")
    assert page.console_errors == [], page.console_errors


def test_on_a_phone_the_filters_start_folded_and_stay_as_the_reader_left_them(page, live_server):
    seed(live_server)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/jobs")
    country = page.get_by_label("Country code")
    expect(country).to_be_hidden()
    expect(page.locator(".job-card").first).to_be_in_viewport()  # results are not pushed below the fold
    page.locator(".jobs-more summary").click()
    expect(country).to_be_visible()
    page.goto("/jobs?q=annotator")
    expect(page.get_by_label("Country code")).to_be_visible()
    assert page.console_errors == [], page.console_errors


def test_the_open_filter_panel_keeps_apply_reachable_on_a_short_screen(page, live_server):
    seed(live_server)
    with live_server.app.app_context():
        for day in range(12):  # a long page of results, so the panel stays stuck while reading them
            make_posting(age_days=4 + day)
    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto("/jobs")
    page.mouse.wheel(0, 300)
    panel = page.locator(".jobs-filters")
    page.wait_for_function("window.scrollY > 0")
    box = panel.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 600, box  # the stuck panel fits the screen
    apply = page.get_by_role("button", name="Apply filters")
    apply.scroll_into_view_if_needed()  # scrolls the panel itself
    expect(apply).to_be_in_viewport()
    apply.click()
    expect(page).to_have_url(re.compile(r"/jobs\?"))
    assert page.console_errors == [], page.console_errors
