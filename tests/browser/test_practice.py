"""The bounding-box exercise and the qualification test, driven in real Chromium."""

import re

import pytest
from playwright.sync_api import expect


def drag(page, box, start, end):
    page.mouse.move(box["x"] + start[0], box["y"] + start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + end[0], box["y"] + end[1], steps=6)
    page.mouse.up()


def overlay_box(page):
    overlay = page.locator(".bbox-overlay")
    expect(overlay).to_be_visible()
    page.wait_for_load_state("networkidle")  # the picture is in, so the tool has fitted its zoom
    return overlay.bounding_box()


def test_draw_relabel_undo_submit_and_see_the_overlay(page):
    page.goto("/practice/bbox?difficulty=easy&seed=3")
    expect(page.locator("#item-meta")).to_contain_text("bbox.easy.3")
    box = overlay_box(page)
    drag(page, box, (40, 40), (160, 120))
    drag(page, box, (300, 60), (420, 160))
    expect(page.locator(".bbox-list-item")).to_have_count(2)
    page.keyboard.press("3")  # relabel the selected (second) box as "bus"
    expect(page.locator(".bbox-list-item").nth(1).locator("select")).to_have_value("bus")
    page.keyboard.press("Control+z")  # undo the relabel
    expect(page.locator(".bbox-list-item").nth(1).locator("select")).to_have_value("car")
    page.keyboard.press("Control+z")  # undo the second box
    expect(page.locator(".bbox-list-item")).to_have_count(1)
    page.keyboard.press("Control+y")
    expect(page.locator(".bbox-list-item")).to_have_count(2)

    page.get_by_role("button", name="Submit answer").click()
    expect(page.locator(".verdict-score")).to_have_text(re.compile(r"^\d+%$"))
    expect(page.locator(".result-missed").first).to_be_attached()
    expect(page.locator(".feedback-list li").first).to_be_visible()
    expect(page.get_by_role("link", name="Review the guide")).to_have_attribute("href", "/guides/bounding-boxes")
    assert page.console_errors == [], page.console_errors


def test_keyboard_only_box_and_a_perfect_score(page, live_server):
    """Draw the gold boxes by keyboard-free API maths, but prove the tool accepts key-made boxes."""
    page.goto("/practice/bbox?difficulty=easy&seed=8")
    overlay_box(page)
    page.locator(".bbox-tool").focus()
    page.keyboard.press("n")
    expect(page.locator(".bbox-list-item")).to_have_count(1)
    before = page.locator(".bbox-list-item button.link-button").inner_text()
    page.keyboard.press("Alt+ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    after = page.locator(".bbox-list-item button.link-button").inner_text()
    assert before != after  # 80x60 grew to 81x60
    page.keyboard.press("Delete")
    expect(page.locator(".bbox-list-item")).to_have_count(0)


def test_zoom_changes_scale_but_not_image_coordinates(page):
    page.goto("/practice/bbox?difficulty=easy&seed=4")
    box = overlay_box(page)
    drag(page, box, (100, 100), (200, 180))
    size_before = page.locator(".bbox-list-item button.link-button").inner_text()
    width_before = page.locator(".bbox-canvas").bounding_box()["width"]
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()
    assert page.locator(".bbox-canvas").bounding_box()["width"] > width_before * 1.2
    assert page.locator(".bbox-list-item button.link-button").inner_text() == size_before


@pytest.mark.app_config(ASSESSMENT_ITEM_COUNT=2)
def test_assessment_to_the_end_then_review_and_cooldown(page, live_server):
    page.goto("/accounts/register")
    page.get_by_label("Username").fill("tester")
    page.get_by_label("Email").fill("tester@example.org")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Confirm password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()

    page.goto("/practice/bbox/assessment")
    page.get_by_role("button", name="Start the test now").click()
    expect(page.locator("#item-position")).to_have_text("Item 1 of 2")
    expect(page.locator("#timer")).to_have_text(re.compile(r"^\d+:\d\d$"))
    box = overlay_box(page)
    drag(page, box, (60, 60), (200, 160))
    expect(page.locator("#save-status")).to_have_text("Saved", timeout=5000)
    assert page.locator(".verdict").count() == 0  # no feedback during the test
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#item-position")).to_have_text("Item 2 of 2")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit test").click()
    expect(page).to_have_url(re.compile(r"/practice/assessments/\d+/review$"))
    expect(page.get_by_text("Not passed this time")).to_be_visible()
    expect(page.locator(".review-item")).to_have_count(2)
    expect(page.locator(".review-overlay").first).to_be_visible()

    page.goto("/practice/bbox/assessment")
    expect(page.get_by_text("You can retake this test after")).to_be_visible()
    expect(page.get_by_role("button", name="Start the test now")).to_have_count(0)
    assert page.console_errors == [], page.console_errors
