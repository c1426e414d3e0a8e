"""Fechamento de meses (issue 11 §1): the months list, close and reopen buttons for Financeiro,
and the date on the correction forms of the invoice and payment pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fatura.eventlog.models import Event
from fatura.receivables import corrections
from fatura.receivables.models import CreditNote, Payment, Period
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]


@pytest.fixture
def books(fin_user, frozen_clock, settings):
    from tests.factories import financeiro

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return Books(fin_user, financeiro("aprovador"), frozen_clock)


def test_the_page_lists_the_months_with_close_and_reopen(fin_client, books):
    books.sent(amount="100.00", issue_date=dt.date(2026, 3, 2))
    page = fin_client.get("/relatorios/fechamento/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Fechamento de meses" in html
    assert "março/2026" in html and "maio/2026" in html
    assert 'id="close-2026-03"' in html and 'id="close-2026-05"' not in html  # May: running

    closed = fin_client.post("/relatorios/fechamento/2026-03/fechar/", follow=True)
    assert closed.status_code == 200
    html = closed.content.decode()
    assert "Mês março/2026 fechado" in html
    assert 'id="reopen-2026-03"' in html
    assert Period.objects.get().month == dt.date(2026, 3, 1)

    reopened = fin_client.post("/relatorios/fechamento/2026-03/reabrir/", follow=True)
    assert "reaberto" in reopened.content.decode()
    assert not Period.objects.exists()
    assert Event.objects.filter(activity="Period Reopened", case_id="period:2026-03").exists()


def test_operacao_sees_the_months_but_cannot_close(ops_client, books):
    books.sent(amount="100.00", issue_date=dt.date(2026, 3, 2))
    html = ops_client.get("/relatorios/fechamento/").content.decode()
    assert "março/2026" in html and 'id="close-2026-03"' not in html
    assert ops_client.post("/relatorios/fechamento/2026-03/fechar/").status_code == 403
    assert not Period.objects.exists()


def test_closing_the_running_month_shows_the_refusal(fin_client, books):
    refused = fin_client.post("/relatorios/fechamento/2026-05/fechar/")
    assert refused.status_code == 409
    assert "ainda não terminou" in refused.content.decode()
    assert fin_client.post("/relatorios/fechamento/2026-99/fechar/").status_code == 422


def test_the_credit_note_form_takes_a_date(fin_client, books):
    invoice = books.sent(amount="100.00", issue_date=dt.date(2026, 3, 2))
    form = fin_client.get(f"/faturas/{invoice.number}/acoes/credit-note/")
    assert form.status_code == 200
    assert 'name="date"' in form.content.decode()
    done = fin_client.post(
        f"/faturas/{invoice.number}/acoes/credit-note/",
        {"amount": "10,00", "reason": "acordo", "date": "10/04/2026"},
    )
    assert done.status_code in (200, 302)
    assert CreditNote.objects.get().date == dt.date(2026, 4, 10)
    future = fin_client.post(
        f"/faturas/{invoice.number}/acoes/credit-note/",
        {"amount": "10,00", "reason": "acordo", "date": "10/06/2026"},
    )
    assert future.status_code == 422
    assert "no futuro" in future.content.decode()
    assert books.reload(invoice).balance == Decimal("90.00")


def test_the_reverse_form_takes_a_date(fin_client, books):
    invoice = books.sent(amount="100.00", issue_date=dt.date(2026, 3, 2))
    paid = books.pay(invoice, "100.00", received_at=dt.date(2026, 4, 1)).payment
    assert 'name="date"' in fin_client.get(f"/pagamentos/{paid.pk}/").content.decode()
    done = fin_client.post(
        f"/pagamentos/{paid.pk}/estornar/", {"reason": "devolvido", "date": "02/04/2026"}
    )
    assert done.status_code in (200, 302)
    assert Payment.objects.get().reversal_date == dt.date(2026, 4, 2)


def test_the_invoice_page_shows_the_document_date_and_when_it_was_entered(fin_client, books):
    invoice = books.sent(amount="100.00", issue_date=dt.date(2026, 3, 2))
    corrections.credit_note_issue(
        by=books.user,
        number=invoice.number,
        amount="10.00",
        reason="acordo",
        date=dt.date(2026, 4, 10),
    )
    html = fin_client.get(f"/faturas/{invoice.number}/").content.decode()
    assert "10/04/2026" in html  # the document's date
    assert "05/05/2026 11:30 · fin" in html  # and when it was keyed in, by whom
