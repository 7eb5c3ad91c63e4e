"""Browser fixtures (a pytest plugin loaded by the root conftest): Playwright for Python driving
Debian's Chromium against a live test server. Every app's browser tests use these.

Screenshots of every step go to test-artifacts/screenshots/<test>/; a failing test keeps a
Playwright trace in test-artifacts/traces/ for inspection (`playwright show-trace`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (fixtures, assertions) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(
                "Chromium is missing at /usr/bin/chromium; `make test` installs it (apt-get install chromium)."
            )
        pytest.skip(
            "Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium fonts-noto-cjk)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


class Journey:
    """A browser page plus numbered screenshots for one test."""

    def __init__(self, page: Any, base_url: str, name: str) -> None:
        self.page = page
        self.base_url = base_url
        self.folder = ARTIFACTS / "screenshots" / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.step = 0
        self.console_errors: list[str] = []
        page.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def shot(self, label: str) -> None:
        self.step += 1
        safe = re.sub(r"[^A-Za-z0-9_-]+", "-", label)[:60]
        self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{safe}.png"), full_page=True)

    def login(self, username: str, password: str = "pw-Secret-123") -> None:
        self.goto("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(re.compile(r".*/$"))

    def submit(self, selector: str) -> None:
        """Clicks a button that posts a whole-page form and waits for the next page: a bare click
        returns before the navigation, and reading the page then races it."""
        with self.page.expect_navigation():
            self.page.click(selector)

    def logout(self) -> None:
        self.page.click("form[action$='/accounts/logout/'] button")


@pytest.fixture
def browser_page(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A plain page with ``base_url`` and collected ``js_errors``, for app-level browser tests."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.base_url = live_server.url
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture
def journey(request: Any, chromium: Any, live_server: Any) -> Iterator[Any]:
    """Yields a function ``journey(viewport_width=1280, locale="en-US") -> Journey``."""
    contexts: list[Any] = []

    def make(viewport_width: int = 1280, locale: str = "en-US", bypass_csp: bool = False) -> Journey:
        # bypass_csp only lets a test inject its own checker (axe-core); pages never need it.
        context = chromium.new_context(
            viewport={"width": viewport_width, "height": 900}, locale=locale, bypass_csp=bypass_csp
        )
        context.tracing.start(screenshots=True, snapshots=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)  # generous: CI machines are shared and slow at times
        return Journey(page, live_server.url, f"{request.node.name}-{len(contexts)}")

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, context in enumerate(contexts):
        if failed:
            traces = ARTIFACTS / "traces"
            traces.mkdir(parents=True, exist_ok=True)
            context.tracing.stop(path=str(traces / f"{request.node.name}-{i + 1}.zip"))
        else:
            context.tracing.stop()
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)
