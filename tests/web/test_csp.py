"""The Content-Security-Policy (django-csp, docs/decisions/0014-secure-by-default.md): every page
carries it; scripts and styles come from this site or carry the response's nonce; no inline
event handlers or style attributes, which no nonce can allow."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.factories import financeiro

PAGES = ["/", "/faturas/", "/clientes/", "/login/"]


def _policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.fixture
def fin_client(db: Any) -> Client:
    client = Client()
    client.force_login(financeiro())
    return client


def test_the_policy_allows_no_inline_code_and_no_other_site(fin_client: Client) -> None:
    response = fin_client.get("/")
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
        assert all(s == "'self'" or s.startswith("'nonce-") for s in policy[directive])


@pytest.mark.parametrize("url", PAGES)
def test_inline_scripts_and_styles_carry_the_nonce_of_the_response(
    fin_client: Client, url: str
) -> None:
    response = fin_client.get(url, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    nonces = [s[len("'nonce-") : -1] for s in _policy(response)["script-src"] if "nonce" in s]
    style_nonces = [s[len("'nonce-") : -1] for s in _policy(response)["style-src"] if "nonce" in s]
    for tag in re.findall(r"<script\b[^>]*>", page):
        data_block = 'type="application/json"' in tag
        assert data_block or "src=" in tag or any(f'nonce="{n}"' in tag for n in nonces), tag
    for tag in re.findall(r"<style\b[^>]*>", page):
        assert any(f'nonce="{n}"' in tag for n in style_nonces), tag
    assert not re.search(r"\son[a-z]+\s*=", page), "inline event handler"
    assert not re.search(r"<[a-z][^>]*\sstyle\s*=", page), "inline style attribute"


def test_charts_are_data_not_inline_scripts() -> None:
    import plotly.graph_objects as go

    from fatura.web.charts import plotly_div

    html = plotly_div(go.Figure(go.Bar(x=["a"], y=[1])), "chart-x", {"displaylogo": False})
    assert 'id="chart-x"' in html and 'data-plotly="chart-x-data"' in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts == ['<script id="chart-x-data" type="application/json">']


def test_templates_have_no_inline_handlers_or_unnonced_code() -> None:
    """Every template of every app: inline <script>/<style> only with the nonce; no on*= and
    no style= attributes (the browser tests catch what templates build at run time)."""
    import fatura

    root = Path(fatura.__file__).parent
    for template in root.glob("*/templates/**/*.html"):
        text = template.read_text()
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
            assert "src=" in tag or "request.csp_nonce" in tag, (template, tag)
        assert not re.search(r"<[a-z][^>]*\son[a-z]+=", text), template
        assert not re.search(r"<[a-z][^>]*\sstyle=", text), template


def test_base_page_holds_the_id_that_stops_plotlys_map_stylesheet() -> None:
    """plotly.js (maplibre inside it) injects an inline <style> unless an element with this id
    exists; a plotly upgrade that changes the id breaks the charts' pages under the CSP."""
    import plotly

    import fatura

    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    found = re.findall(
        r'getElementById\("([0-9a-f]{64})"\)\)\{var \w=document\.createElement\("style"\)',
        bundle.read_text(encoding="utf-8"),
    )
    base = Path(fatura.__file__).parent / "web" / "templates" / "web" / "base.html"
    assert found and all(f'id="{key}"' in base.read_text() for key in found)


def test_api_docs_load_swagger_from_this_site(db: Any) -> None:
    response = Client().get("/api/v1/docs")
    page = response.content.decode()
    assert response.status_code == 200 and "Content-Security-Policy" in response
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts and all(
        'src="/static/' in tag or 'type="application/json"' in tag for tag in scripts
    ), scripts
