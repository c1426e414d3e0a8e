"""Login, the layout shared by every page, roles, the language switch."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.web.conftest import text

PAGES = [
    "/",
    "/clientes/",
    "/itens/",
    "/consumo/",
    "/consumo/importar/",
    "/cobrancas/?mes=2026-04",
    "/faturas/",
    "/uso/",
    "/eventos/",
]
NAV = [
    "Início",
    "Clientes",
    "Itens de cobrança",
    "Lançar consumo",
    "Registrar cobrança",
    "Consultar faturas",
    "Uso",
    "Eventos",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_need_login(client: Client, db: object, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_for_both_roles(fin_client, ops_client, billing_data, invoice, url) -> None:
    for client in (fin_client, ops_client):
        response = client.get(url)
        assert response.status_code == 200, text(response)[:500]
        assert "Pular para o conteúdo" in text(response)


def test_login_page_and_login(client: Client, fin_user) -> None:
    page = text(client.get("/login/"))
    assert '<label for="id_username">Usuário</label>' in page
    assert '<label for="id_password">Senha</label>' in page
    assert 'id="login-button">Entrar</button>' in page
    response = client.post("/login/", {"username": "fin", "password": "secret-pass"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_login_with_wrong_password_says_so(client: Client, fin_user) -> None:
    response = client.post("/login/", {"username": "fin", "password": "wrong"})
    assert response.status_code == 200
    assert 'id="login-error"' in text(response)


def test_logout_is_a_post_back_to_login(fin_client: Client) -> None:
    response = fin_client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert fin_client.get("/").status_code == 302


def test_layout_shows_navigation_user_role_and_language_switch(fin_client: Client) -> None:
    page = text(fin_client.get("/clientes/"))
    for label in NAV:
        assert f">{label}</a>" in page
    assert 'id="nav-customers" href="/clientes/" aria-current="page"' in page
    assert 'id="current-role">Financeiro<' in page
    assert 'action="/i18n/setlang/"' in page
    assert 'name="language" value="en"' in page
    # htmx comes from django-htmx's vendored copy, never a CDN
    assert "/static/django_htmx/htmx-2.min.js" in page
    assert "https://" not in page.split("<body", 1)[0]


def test_operacao_role_is_shown(ops_client: Client) -> None:
    assert 'id="current-role">Operação<' in text(ops_client.get("/"))


def test_language_switch_sets_english(fin_client: Client) -> None:
    response = fin_client.post("/i18n/setlang/", {"language": "en", "next": "/clientes/"})
    assert response.status_code == 302 and response["Location"] == "/clientes/"
    assert response.cookies["django_language"].value == "en"
    page = text(fin_client.get("/clientes/"))
    assert '<html lang="en">' in page
    assert 'value="en" lang="en" id="lang-en" aria-pressed="true"' in page


def test_user_without_role_gets_a_friendly_403(client: Client, db: object) -> None:
    client.force_login(UserFactory(username="nobody"))
    response = client.get("/faturas/")
    assert response.status_code == 403
    page = text(response)
    assert "Ação não permitida para o seu perfil" in page
    assert "não tem um perfil (Financeiro ou Operação)" in page


def test_error_page_offers_a_way_back(fin_client: Client) -> None:
    response = fin_client.get("/faturas/FAT-1/", headers={"Referer": "http://testserver/faturas/"})
    page = text(response)
    assert response.status_code == 404
    assert 'href="http://testserver/faturas/">Voltar</a>' in page
    outside = text(fin_client.get("/faturas/FAT-1/", headers={"Referer": "https://evil.example/"}))
    assert "evil.example" not in outside
