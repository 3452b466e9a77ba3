"""Browser tests: Debian's Chromium driven by Playwright against a live server on 127.0.0.1.

Every request that does not go to the live server (or file:/data:/blob:) is aborted and recorded, and
console errors are collected, so a test can assert that a page works with no network at all.
Screenshots go to test-artifacts/. Without /usr/bin/chromium the tests skip, except under CI=true.
"""

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
import uvicorn
from alembic import command
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db import get_read_session, get_session, make_engine, session_scope
from tests.conftest import IN_CI, alembic_config

CHROMIUM = os.environ.get("SHUANGKONG_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Every wait (page loads, selectors, expect(), the server's start) may take this long on a loaded
# machine; a test that works finishes long before it, so the only cost is on failures.
STEP_TIMEOUT_MS = 60_000

pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class LiveServer:
    url: str
    engine: Engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on the live server's database that commits, for arranging data."""
        with sessionmaker(bind=self.engine, expire_on_commit=False)() as s:
            yield s
            s.commit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on a migrated SQLite file, served by uvicorn in a thread."""
    from app.main import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)

    def _session() -> Iterator[Session]:
        with session_scope(factory) as session:
            yield session

    app = create_app()
    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_read_session] = _session
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield LiveServer(url=f"http://127.0.0.1:{port}", engine=engine)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_TIMEOUT_MS)

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        yield chromium
        chromium.close()


@dataclass
class PageWatch:
    """What a page did that a test may want to assert on."""

    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


@pytest.fixture
def new_page(browser, request):  # type: ignore[no-untyped-def]
    """new_page(viewport=PHONE) -> (page, watch). Non-local requests are aborted and recorded. Other
    keywords go to the browser context (e.g. has_touch=True for page.tap)."""
    contexts = []

    def make(viewport: dict[str, int] = DESKTOP, **options):  # type: ignore[no-untyped-def]
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **options
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        watch = PageWatch()

        def route(r):  # type: ignore[no-untyped-def]
            parsed = urlparse(r.request.url)
            if parsed.scheme in ("file", "data", "blob") or parsed.hostname in LOCAL_HOSTS:
                r.continue_()
            else:
                watch.blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: watch.console_errors.append(str(e)))
        return page, watch

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, live: LiveServer, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live.url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
