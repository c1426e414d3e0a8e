"""Arquivos bancários page: upload (pt-BR counts, 422 with line and field), the queue of
unmatched entries, match and ignore from it; Operação reads but cannot upload."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fatura.banking.files.write import Transaction, ofx_statement
from fatura.banking.models import BankEntry
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock
from tests.web.conftest import text

__all__ = ["frozen_clock"]

URL = "/pagamentos/banco/"
CREDIT = dt.date(2026, 5, 6)


@pytest.fixture
def books(fin_user: Any, frozen_clock: Any) -> Books:
    from tests.factories import financeiro

    return Books(fin_user, financeiro("aprovador"), frozen_clock)


def _upload(client: Client, data: bytes) -> Any:
    return client.post(URL, {"arquivo": SimpleUploadedFile("extrato.ofx", data)}, follow=True)


def test_empty_page_is_pt_br_and_linked_from_payments(fin_client: Client) -> None:
    response = fin_client.get(URL)
    assert response.status_code == 200
    page = text(response)
    assert "Arquivos bancários" in page and "Nenhum lançamento pendente" in page
    assert "Nenhum arquivo importado ainda." in page
    assert URL in text(fin_client.get("/pagamentos/"))


def test_upload_then_match_and_ignore_from_the_queue(fin_client: Client, books: Books) -> None:
    invoice = books.sent(amount="80.00")
    data = ofx_statement(
        [
            Transaction("P1", CREDIT, Decimal("80.00"), memo="DEPOSITO Conceição"),
            Transaction("P2", CREDIT, Decimal("3.00"), memo="ESTORNO"),
        ]
    )
    page = text(_upload(fin_client, data))
    assert "2 lançamentos, 0 conciliados, 2 pendentes" in page
    assert "DEPOSITO Conceição" in page and "R$ 80,00" in page
    first = BankEntry.objects.get(entry_id__endswith=":P1")
    second = BankEntry.objects.get(entry_id__endswith=":P2")
    assert f'value="{invoice.number}"' in page  # suggested by the amount
    response = fin_client.post(
        f"{URL}{first.pk}/conciliar/",
        {"fatura": invoice.number, "valor": "80.00", "voltar": "situacao=unmatched"},
        follow=True,
    )
    assert "Lançamento conciliado com a fatura" in text(response)
    assert books.reload(invoice).status == "closed"
    response = fin_client.post(f"{URL}{second.pk}/ignorar/", {"motivo": ""}, follow=True)
    assert "Informe o motivo" in text(response)
    response = fin_client.post(f"{URL}{second.pk}/ignorar/", {"motivo": "Estorno"}, follow=True)
    assert "Lançamento ignorado." in text(response)
    assert "Nenhum lançamento pendente" in text(response)
    assert "Estorno" in text(fin_client.get(URL, {"situacao": "ignored"}))
    assert "já tinha sido importado" in text(_upload(fin_client, data))


def test_a_bad_file_is_422_with_line_and_field(fin_client: Client) -> None:
    response = fin_client.post(URL, {"arquivo": SimpleUploadedFile("x.ofx", b"<OFX><STMTTRN>")})
    assert response.status_code == 422
    assert "Linha 1, campo FITID." in text(response)


def test_operacao_reads_but_cannot_upload(ops_client: Client) -> None:
    assert ops_client.get(URL).status_code == 200
    response = ops_client.post(URL, {"arquivo": SimpleUploadedFile("x.ofx", b"x")})
    assert response.status_code == 403
