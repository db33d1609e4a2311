"""A real backend (uvicorn on a free port, migrated and seeded SQLite) driven by Chromium.

Separate from the Rasa stack: the staff pages need neither Rasa nor the action server.
Set REQUIRE_CHROMIUM=1 (CI does) to fail rather than skip when Chromium is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.database import migrate, reset_caches

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@dataclass
class WebServer:
    url: str
    database_url: str


@pytest.fixture(scope="session")
def web_server(tmp_path_factory) -> Iterator[WebServer]:
    from stack import free_port

    workdir = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{workdir / 'parcours.db'}"
    migrate(database_url)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "PUBLIC_BASE_URL": "http://127.0.0.1",
    }
    subprocess.run(
        [sys.executable, "-m", "backend.seed"], check=True, env=env, cwd=ROOT, capture_output=True
    )
    port = free_port()
    (ARTIFACTS / "logs").mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / "logs" / "browser-backend.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"backend did not start, see {log.name}")
            time.sleep(0.1)
        yield WebServer(url=url, database_url=database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"Chromium is required (REQUIRE_CHROMIUM=1) but {CHROMIUM} is missing")
        pytest.skip(f"Chromium is not installed ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, web_server):
    """A fresh browser profile per test (no cookies), French, laptop-sized."""
    context = browser.new_context(
        base_url=web_server.url,
        locale="fr-FR",
        viewport={"width": 1280, "height": 860},
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def server_db(web_server, monkeypatch) -> Iterator[None]:
    """This process writes and reads the server's database (to set up and check)."""
    monkeypatch.setenv("DATABASE_URL", web_server.database_url)
    reset_caches()
    yield
    reset_caches()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, email: str, password: str = "demo-parcours-2026") -> None:
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
