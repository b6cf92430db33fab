"""Run the portal's in-browser speed test once in Chromium and print its figures as one JSON line.

Opens BASE/setup, presses "Start the test" (#speedtest-start) with the page's own settings (the
data-* attributes on #speedtest, as a visitor gets them), and takes the figures from the body the
page posts to /api/v1/setup/results, which is exactly what it measured; it also checks that the page
showed them. bench/speed_accuracy.py runs this inside its shaped network namespace
(`ip netns exec NS python bench/browser_speedtest.py BASE`), so Chromium's traffic crosses the
shaped loopback. Chromium is Debian's package, launched through Playwright's executable_path, as in
tests/browser/conftest.py; no browser is ever downloaded.

Exit status: 0 with the JSON on stdout, 1 when the test failed (the reason on stderr), 2 when
Chromium or Playwright is missing.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM_ARGS, chromium_path  # noqa: E402  (one list of flags)

RESULTS_PATH = "/api/v1/setup/results"


def upload_recorder(uploads: list[dict]):
    """Event handlers that note each upload POST: when it started and ended, and the portal's receipt."""
    def finished(request, failed: bool):
        if request.method != "POST" or "/speedtest/empty" not in request.url:
            return
        timing = request.timing  # startTime: epoch ms; responseEnd: ms after startTime
        record = {"start_ms": timing["startTime"], "end_ms": timing["startTime"] + timing["responseEnd"],
                  "failed": failed, "body_bytes": len(request.post_data_buffer or b"")}
        if not failed:
            headers = request.response().headers
            record["received"] = int(headers.get("x-received-bytes", 0))
            record["receive_seconds"] = float(headers.get("x-receive-seconds", 0))
        uploads.append(record)
    return (lambda request: finished(request, False)), (lambda request: finished(request, True))


def run_once(base: str, timeout_s: float, record_uploads: bool = False, script: Path | None = None) -> dict:
    """One test in a fresh browser: the posted figures plus what the page displayed."""
    from playwright.sync_api import sync_playwright

    console_errors: list[str] = []
    uploads: list[dict] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda message: console_errors.append(message.text)
                    if message.type == "error" else None)
            page.on("pageerror", lambda error: console_errors.append(str(error)))
            if script is not None:  # try a change to the measuring code without editing the checkout
                page.route("**/static/js/setup/speedtest.js",
                           lambda route: route.fulfill(body=script.read_text(), content_type="text/javascript"))
            if record_uploads:
                on_finished, on_failed = upload_recorder(uploads)
                page.on("requestfinished", on_finished)
                page.on("requestfailed", on_failed)
            page.goto(f"{base}/setup", wait_until="load")
            page.wait_for_selector("#speedtest-start", state="visible")
            settings = page.eval_on_selector("#speedtest", "node => ({...node.dataset})")
            try:
                with page.expect_request(lambda request: request.method == "POST"
                                         and request.url.split("?")[0].endswith(RESULTS_PATH),
                                         timeout=timeout_s * 1000) as posted:
                    page.click("#speedtest-start")
            except Exception as error:  # Playwright's TimeoutError: say what the page said instead
                message = page.text_content("#speedtest-error") or page.text_content("#speedtest-phase")
                raise RuntimeError(f"no result was posted within {timeout_s:.0f}s; the page says: "
                                   f"{(message or '').strip()}; console: {console_errors[-3:]}") from error
            figures = posted.value.post_data_json
            shown = page.wait_for_selector('#speedtest-figures dd[data-figure="download_mbps"]', timeout=5000)
            figures["shown_download"] = shown.text_content()
            figures["page_settings"] = {key: settings[key] for key in settings
                                        if key in ("seconds", "streamsDown", "streamsUp", "graceDown",
                                                   "graceUp", "pings")}
            if record_uploads:
                figures["uploads"] = sorted(uploads, key=lambda record: record["start_ms"])
            return figures
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the portal's address, e.g. http://127.0.0.1:8765")
    parser.add_argument("--json", action="store_true", help="(the only output format; kept for clarity)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for the result")
    parser.add_argument("--record-uploads", action="store_true",
                        help="add every upload request's timing and the portal's receipt (for diagnosis)")
    parser.add_argument("--speedtest-js", type=Path, metavar="FILE",
                        help="serve FILE in place of static/js/setup/speedtest.js (to try a fix)")
    args = parser.parse_args()
    if chromium_path() is None:
        print("Chromium not found: apt-get install chromium (or set CHROMIUM_PATH)", file=sys.stderr)
        return 2
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("Playwright is not in the venv: pip install -r requirements-dev.txt", file=sys.stderr)
        return 2
    try:
        figures = run_once(args.base.rstrip("/"), args.timeout, args.record_uploads, args.speedtest_js)
    except RuntimeError as error:
        print(f"browser speed test failed: {error}", file=sys.stderr)
        return 1
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
