"""The documentation page in a real browser: headless Chromium (Debian's) opens /docs of a live
server on loopback, the operations render, and "Try it out" -> "Execute" on GET /v1/events shows
stored events. The browser may reach nothing but loopback: the page must work with no internet."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from factories import event_body

from app.main import create_app

CHROMIUM = Path("/usr/bin/chromium")
# No network beyond loopback: no background services, no QUIC, and a proxy that does not exist for
# anything that is not loopback (Chromium never proxies loopback).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--proxy-server=http://127.0.0.1:9"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium is not installed at {CHROMIUM} "
                                "(Debian: apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live_url(settings, database) -> Iterator[str]:  # noqa: ANN001
    """The app served by uvicorn in a thread, on loopback."""
    port = _free_port()
    # log_config=None: leave the test process's logging as it is.
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def stored_events(live_url: str, auth: dict[str, str]) -> list[str]:
    ids = []
    for date in ("2020-10-24", "2021-03-12"):
        response = httpx.post(f"{live_url}/v1/events", json=event_body(date=date), headers=auth, timeout=30)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def test_try_it_out_on_the_events_query_shows_stored_events(live_url, stored_events, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package (test extra) is missing")
    left_loopback: list[str] = []
    with sync_api.sync_playwright() as playwright:
        # A fresh profile; Playwright drives Debian's Chromium and never downloads a browser.
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            def only_loopback(route) -> None:  # noqa: ANN001
                if urlsplit(route.request.url).hostname in {"127.0.0.1", "localhost"}:
                    route.continue_()
                else:
                    left_loopback.append(route.request.url)
                    route.abort()

            context.route("**/*", only_loopback)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{live_url}/docs")

            # The operations render, grouped by tag.
            page.wait_for_selector(".opblock")
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            for path in ("/v1/events", "/v1/readouts", "/v1/events/{event_id}", "/v1/stats/pairs", "/healthz"):
                assert any(p.replace("\u200b", "") == path for p in paths), (path, paths)

            query = page.locator(".opblock-get", has=page.locator(".opblock-summary-path",
                                                                  has_text="/v1/events")).filter(
                has_not=page.locator(".opblock-summary-path", has_text="{event_id}")).first
            query.locator(".opblock-summary").click()
            query.locator(".try-out__btn").click()
            query.locator(".execute").click()

            status = query.locator(".live-responses-table tr.response .response-col_status").first
            status.wait_for()
            assert status.inner_text().strip().startswith("200")
            body = query.locator(".live-responses-table tr.response .highlight-code pre").first.inner_text()
        finally:
            context.close()
    assert '"data"' in body and '"next_cursor"' in body
    for event_id in stored_events:
        assert f'"id": "{event_id}"' in body
    assert left_loopback == []
