"""Browser fixtures: a live uvicorn server around the test platform, Debian's chromium via Playwright.

The server runs `create_app(platform)` on a background thread (its lifespan starts the in-process
job runner), so every browser test runs on both metadata backends through the root `platform`
fixture. Screenshots are kept under test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shuliu.platform import Platform

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "test-pass-123"
TIMEOUT_MS = 20_000  # actions and expect(); generous, the server shares the CPU with the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium for the session; each test gets its own context (cookies, storage)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); Playwright browsers are not downloaded")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(platform: Platform, users: dict[str, Any]) -> Iterator[str]:
    """The app served by uvicorn on a free local port; yields the base URL."""
    import uvicorn

    from shuliu.api.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(platform), host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the uvicorn server thread died during start-up")
        if time.monotonic() > deadline:
            raise RuntimeError("the uvicorn server did not start within 30 s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        assert not thread.is_alive(), "the uvicorn server did not stop"


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught JavaScript errors of the test's page (tests assert it stays empty)."""
    return []


@pytest.fixture
def page(browser: Any, live_server: str, page_errors: list[str]) -> Iterator[Any]:
    """A fresh browser context and page pointed at the live server (relative URLs work)."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    pg.on("pageerror", lambda exc: page_errors.append(str(exc)))
    yield pg
    context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest, backend: str, page: Any) -> Callable[[str], Path]:
    """shot("step") saves a full-page PNG as <test-name>-<backend>-<step>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.originalname)

    def take(step: str) -> Path:
        path = SCREENSHOTS / f"{test_name}-{backend}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in(page: Any) -> Callable[..., Any]:
    """sign_in(username) fills and submits the login form; returns the POST /login response."""

    def submit(username: str, password: str = PASSWORD, next_path: str = "/") -> Any:
        page.goto(f"/login?next={next_path}")
        page.fill("#username", username)
        page.fill("#password", password)
        with page.expect_response(
            lambda r: r.request.method == "POST" and r.url.split("?")[0].endswith("/login")
        ) as posted:
            page.click("#login-form button[type=submit]")
        response = posted.value
        if response.status == 303:  # signed in: wait until the redirect target has loaded
            page.wait_for_url(re.compile(re.escape(next_path) + "$"))
        else:
            page.wait_for_load_state()
        return response

    return submit
