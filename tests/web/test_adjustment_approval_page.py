"""The invoice page with a debit waiting for approval (issue 10): it says so, the one who asked
is refused if they try to approve it, another Financeiro user approves or
rejects it there."""

from __future__ import annotations

from decimal import Decimal

from fatura.receivables.models import Invoice
from tests.web.conftest import text
from tests.web.test_receivables_pages import (
    action,
    approver,
    approver_client,
    books,
    frozen_clock,
)

__all__ = ["approver", "approver_client", "books", "frozen_clock"]


def test_a_debit_above_the_threshold_waits_on_the_page(fin_client, approver_client, books):
    invoice = books.sent(amount="9000.00")
    asked = action(fin_client, invoice, "adjust", {"amount": "500.000,00", "reason": "juros"})
    assert asked.status_code == 200, asked.content
    assert "vale depois de aprovado por outro usuário" in text(asked)
    assert Invoice.objects.get(pk=invoice.pk).balance == Decimal("9000.00")

    mine = text(fin_client.get(f"/faturas/{invoice.number}/"))
    assert 'id="pending-adjustment"' in mine and "R$ 500.000,00" in mine
    assert 'id="action-approve-adjustment"' in mine  # Financeiro may approve... others' requests
    assert 'id="action-adjust"' not in mine  # one waits at a time
    refused = action(fin_client, invoice, "approve-adjustment")
    assert refused.status_code == 403
    assert "outro usuário do Financeiro" in text(refused)

    theirs = text(approver_client.get(f"/faturas/{invoice.number}/"))
    assert 'id="action-approve-adjustment"' in theirs
    assert 'id="action-reject-adjustment"' in theirs
    done = action(approver_client, invoice, "approve-adjustment")
    assert done.status_code == 200, done.content
    assert "aprovado" in text(done)
    assert 'id="pending-adjustment"' not in text(done)
    assert Invoice.objects.get(pk=invoice.pk).balance == Decimal("509000.00")


def test_rejecting_on_the_page(fin_client, approver_client, books):
    invoice = books.sent(amount="9000.00")
    action(fin_client, invoice, "adjust", {"amount": "500.000,00", "reason": "juros"})
    done = action(approver_client, invoice, "reject-adjustment", {"reason": "valor errado"})
    assert done.status_code == 200, done.content
    assert "rejeitado" in text(done)
    assert Invoice.objects.get(pk=invoice.pk).balance == Decimal("9000.00")
    page = text(approver_client.get(f"/faturas/{invoice.number}/"))
    assert 'id="action-approve-adjustment"' not in page
    assert "Ajuste rejeitado" in page  # the timeline
