"""Browser tests: Playwright driving Debian's chromium (no browser download; closed network)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("FATURA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The live server runs in a thread of this process; Django refuses sync ORM calls from
# Playwright's event loop unless told it is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    from playwright.sync_api import expect

    context = browser.new_context(
        base_url=live_server.url, locale="pt-BR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15000)
    # The same patience for assertions: a loaded machine (the suite runs in parallel) may need
    # more than the default 5 s, e.g. to parse and draw plotly.js.
    expect.set_options(timeout=15000)
    # Any Content-Security-Policy violation fails the test: the page reports it (the
    # securitypolicyviolation event, also for blocked inline styles and eval) to the console.
    page, violations = watch_csp(context)
    yield page
    context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + e.documentURI + " (" + (e.sample || "") + ")");
});
"""


def watch_csp(context: Any) -> tuple[Any, list[str]]:
    """A new page of the context and the list its CSP violations are collected in."""
    context.add_init_script(CSP_LISTENER)
    violations: list[str] = []
    page = context.new_page()
    page.on("console", lambda msg: _csp_message(msg.text, violations))
    return page, violations


def _csp_message(text: str, violations: list[str]) -> None:
    if text.startswith("CSP violation:") or "Content Security Policy" in text:
        violations.append(text)


def login(page: Any, username: str, password: str = "secret-pass") -> None:
    page.goto("/login/")
    page.get_by_label("Usuário").fill(username)
    page.get_by_label("Senha").fill(password)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/")
