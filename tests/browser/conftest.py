"""Fixtures for driving the dashboard in Chromium with Playwright.

The browser is found, in this order: ``SPIRAL_CHROMIUM`` (when set, the only choice), then ``chromium``,
``chromium-browser``, ``google-chrome`` on the PATH, then Playwright's own Chromium. ``make test`` installs
Debian's Chromium where it can (root and apt-get: ``scripts/ensure_browser.sh``); where no browser can be
had, every other test runs and each browser test fails with one line saying what is missing and how to
provide it. The browser tests never skip.

Chromium runs with every outside connection blocked (host names resolve to nothing except
127.0.0.1), so the page must render from the server's bundled assets alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
BROWSERS_ON_PATH = ("chromium", "chromium-browser", "google-chrome")
HOW_TO_PROVIDE = ("set SPIRAL_CHROMIUM=/path/to/chromium, or install Chromium (Debian/Ubuntu as root: "
                  "apt-get install chromium; `make test` does this where it can), or run "
                  "`.venv/bin/python -m playwright install chromium`")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # no internet for the page: every host name except the local server fails to resolve
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

#: Console errors that are harmless, each with the reason. A console error not matched here fails
#: the test. Keep this list short and specific.
ALLOWED_CONSOLE_ERRORS: list[tuple[re.Pattern[str], str]] = [
    # (none needed so far)
]


def _missing(what: str) -> None:
    pytest.fail(f"browser test cannot run: {what}", pytrace=False)


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_chromium() -> tuple[str | None, str]:
    """The browser to drive (``SPIRAL_CHROMIUM``, then the PATH), or None and what was looked for.
    Playwright's own Chromium, the last resort, is looked up in :func:`browser`."""
    explicit = os.environ.get("SPIRAL_CHROMIUM", "").strip()
    if explicit:
        found = shutil.which(explicit) if os.sep not in explicit else explicit
        if found and _executable(found):
            return found, ""
        return None, f"SPIRAL_CHROMIUM={explicit} is not an executable (unset it to search the PATH)"
    for name in BROWSERS_ON_PATH:
        found = shutil.which(name)
        if found:
            return found, ""
    return None, f"none of {', '.join(BROWSERS_ON_PATH)} is on the PATH"


@pytest.fixture(scope="session")
def chromium_path() -> str | None:
    """The browser found before Playwright starts (None: try Playwright's own in :func:`browser`)."""
    return find_chromium()[0]


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None:
        _missing("the Python package 'playwright' is not installed (pip install -e '.[dev]'; `make test` does it)")
    with sync_playwright() as pw:
        path = chromium_path
        if path is None:
            _, looked = find_chromium()
            own = pw.chromium.executable_path
            if os.environ.get("SPIRAL_CHROMIUM", "").strip():
                _missing(f"no Chromium: {looked}; {HOW_TO_PROVIDE}")
            if not (own and _executable(own)):
                _missing(f"no Chromium: {looked}, and Playwright has no Chromium of its own; {HOW_TO_PROVIDE}")
            path = own
        failure = None
        try:
            browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        except Exception as exc:  # noqa: BLE001 (any launch failure: one line, not Playwright's page-long banner)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            failure = f"Chromium at {path} did not start ({first}); {HOW_TO_PROVIDE}"
        if failure:
            _missing(failure)
        yield browser
        browser.close()


@contextlib.contextmanager
def running_dashboard(log_dir: Path, scenario: str | None = None):
    """Start the dashboard server (``spiral dashboard [SCENARIO]``) on a free port; stop it afterwards."""
    from sim.faces.dashboard.server import DashboardError, serve, stop

    log = log_dir / "server.log"
    failure = None
    try:
        process, url = serve(log_path=log, scenario=scenario)
    except DashboardError as exc:
        failure = f"dashboard did not start: {exc}"
    if failure:
        pytest.fail(failure, pytrace=False)
    try:
        yield url
    finally:
        stop(process)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / f"dashboard-server{'-' + scenario if scenario else ''}.log")


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory):
    """The dashboard on the bundled historical scenario."""
    with running_dashboard(tmp_path_factory.mktemp("dashboard")) as url:
        yield url


@dataclass
class PageWatch:
    """What the page said and fetched: console errors, failed and outside requests."""

    local_prefix: str
    console_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))
        page.on("request", self._on_request)
        page.on("requestfailed", lambda r: self.failed_requests.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.failed_requests.append(f"{r.url} (HTTP {r.status})"))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)
        elif message.type == "warning":
            self.warnings.append(message.text)

    def _on_request(self, request) -> None:
        if not (request.url.startswith(self.local_prefix) or request.url.startswith(("data:", "blob:"))):
            self.outside_requests.append(request.url)

    def unexplained_errors(self) -> list[str]:
        return [e for e in self.console_errors if not any(p.search(e) for p, _ in ALLOWED_CONSOLE_ERRORS)]

    def assert_clean(self) -> None:
        problems = []
        if self.unexplained_errors():
            problems.append(f"console errors: {self.unexplained_errors()}")
        if self.failed_requests:
            problems.append(f"failed requests: {self.failed_requests}")
        if self.outside_requests:
            problems.append(f"requests outside the local server: {self.outside_requests}")
        assert not problems, "; ".join(problems)


@contextlib.contextmanager
def open_page(browser, url: str):
    """A fresh browser tab (its own dashboard session) on ``url``, with a :class:`PageWatch`."""
    context = browser.new_context(viewport={"width": 1500, "height": 1750})
    page = context.new_page()
    page.set_default_timeout(60_000)
    watch = PageWatch(local_prefix=url.rstrip("/"))
    watch.attach(page)
    try:
        page.goto(url)
        yield page, watch
    finally:
        context.close()


@pytest.fixture
def dashboard_page(browser, dashboard_url):
    with open_page(browser, dashboard_url) as opened:
        yield opened


@pytest.fixture
def open_dashboard(browser, tmp_path):
    """``with open_dashboard("scenario") as (page, watch):`` a dashboard server of its own, and a tab on it."""

    @contextlib.contextmanager
    def _open(scenario: str | None = None):
        with running_dashboard(tmp_path, scenario) as url, open_page(browser, url) as opened:
            yield opened

    return _open
