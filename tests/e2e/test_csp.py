"""The browser tests fail on any Content-Security-Policy violation (tests/e2e/conftest.py): the
watcher itself is checked here against code the policy must block."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import watch_csp

# As the other browser tests: the live server's flushes keep the migrated rows (content types).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_watcher_sees_blocked_inline_script_style_and_handler(
    browser: Any, live_server: Any
) -> None:
    context = browser.new_context(base_url=live_server.url)
    try:
        page, violations = watch_csp(context)
        page.goto("/login/")
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.__ran = true";
              document.body.appendChild(script);
              const style = document.createElement("style");
              style.textContent = "body { color: red }";
              document.head.appendChild(style);
              document.body.insertAdjacentHTML("beforeend", '<b id="x" style="color:red">x</b>');
            }"""
        )
        page.wait_for_timeout(200)
        assert page.evaluate("() => window.__ran === undefined")
        assert any("script-src" in v for v in violations), violations
        assert any("style-src-elem" in v for v in violations), violations
        assert any("style-src-attr" in v for v in violations), violations
    finally:
        context.close()


def test_the_login_page_has_no_violation(page: Any) -> None:
    page.goto("/login/")
    page.get_by_label("Usuário").fill("ninguem")


def test_the_api_docs_run_under_the_policy(page: Any) -> None:
    """Swagger UI from django-ninja's own static files (no CDN, no inline script) starts."""
    page.goto("/api/v1/docs")
    page.locator("#swagger-ui .swagger-ui").first.wait_for(state="attached")
