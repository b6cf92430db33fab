"""A newcomer's first visit, in a real browser: home, a guide, search, an account, progress."""

import re

from playwright.sync_api import expect


def test_newcomer_journey(page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("annotator")
    page.get_by_role("link", name="Start learning").click()
    expect(page).to_have_url(re.compile(r"/guides/what-is-data-annotation$"))
    expect(page.get_by_role("heading", name="On this page")).to_be_visible()

    page.get_by_role("link", name="Guides", exact=True).first.click()
    expect(page.get_by_role("heading", name="Image annotation")).to_be_visible()
    page.get_by_role("link", name="Bounding boxes").first.click()
    expect(page.locator("figure svg").first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Open the bounding boxes exercise"))).to_be_visible()

    # Search from the keyboard: "/" focuses the search box.
    page.keyboard.press("/")
    expect(page.locator("#header-search-q")).to_be_focused()
    page.keyboard.type("iou")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/guides/search\?q=iou"))
    first_hit = page.locator(".search-hit").first
    expect(first_hit.locator("mark").first).to_have_text(re.compile("iou", re.IGNORECASE))
    expect(first_hit.get_by_role("link").first).to_contain_text("Bounding boxes")

    page.get_by_role("link", name="Create account").click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Confirm password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Your account is ready")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username or email").fill("newcomer@example.org")
    page.get_by_label("Password").fill("a long enough passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Welcome back")).to_be_visible()

    page.goto("/guides/polygons")
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_text("Marked as read")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as unread")).to_be_visible()

    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_text(re.compile(r"1\s+of\s+\d+ guides read"))).to_be_visible()
    expect(page.locator(".read-list").get_by_role("link", name="Polygons")).to_be_visible()
    assert page.console_errors == [], page.console_errors


def test_wrong_password_shows_one_message(page, live_server):
    page.goto("/accounts/login")
    page.get_by_label("Username or email").fill("nobody")
    page.get_by_label("Password").fill("whatever it is")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Invalid username/email or password.")).to_be_visible()


def test_pages_have_no_csp_violations_and_a_working_mobile_menu(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    for path in ("/", "/guides", "/guides/bounding-boxes", "/guides/keypoints", "/guides/search?q=scam",
                 "/accounts/register"):
        page.goto(path)
    assert violations == []
    nav = page.locator("#site-nav")
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    context.close()
