"""Late charges on the pages (issue 11 §4): the customer form takes the percents, the invoice
page shows what settles it today and the late charges, and Financeiro waives them there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fatura.core.documents import cnpj_with_check_digits
from fatura.customers.models import Customer
from fatura.receivables.models import Invoice
from tests.factories import CustomerFactory
from tests.web.conftest import text
from tests.web.test_receivables_pages import action, approver, books, frozen_clock

__all__ = ["approver", "books", "frozen_clock"]

DUE = dt.date(2026, 4, 6)


def test_customer_form_takes_the_late_charges(fin_client):
    document = cnpj_with_check_digits("555666770001")
    response = fin_client.post(
        "/clientes/",
        {
            "name": "Com Juros",
            "document": document,
            "payment_terms": "NET30",
            "country": "BR",
            "late_fine_percent": "2",
            "late_interest_monthly_percent": "0,5",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(document=document)
    assert (customer.late_fine_percent, customer.late_interest_monthly_percent) == (
        Decimal("2.00"),
        Decimal("0.50"),
    )
    page = text(fin_client.get("/clientes/"))
    assert 'id="customer-late-charges"' in page
    assert "multa 2,00% · juros 0,50% a.m." in page or "multa 2.00% · juros 0.50% a.m." in page


def test_customer_form_refuses_out_of_bounds(fin_client):
    response = fin_client.post(
        "/clientes/",
        {
            "name": "Juros Demais",
            "document": cnpj_with_check_digits("555666780001"),
            "country": "BR",
            "late_interest_monthly_percent": "12",
        },
    )
    assert response.status_code == 422
    assert 'id="id_late_interest_monthly_percent_error"' in text(response)
    assert not Customer.objects.filter(name="Juros Demais").exists()


def _late_invoice(books):
    customer = CustomerFactory(
        late_fine_percent=Decimal("2"), late_interest_monthly_percent=Decimal("1")
    )
    invoice = books.sent(customer, issue_date=dt.date(2026, 3, 4))
    assert invoice.due_date == DUE
    books.clock.advance(days=1)  # 2026-05-06: 30 days late
    return invoice


def test_invoice_page_shows_due_today_and_waives(fin_client, books):
    invoice = _late_invoice(books)
    page = text(fin_client.get(f"/faturas/{invoice.number}/"))
    assert 'id="invoice-due-today">R$ 1.030,00' in page
    assert 'id="action-waive-late-charges"' not in page  # nothing booked yet

    books.pay(invoice, "1000.00", received_at=DUE + dt.timedelta(days=30))
    page = text(fin_client.get(f"/faturas/{invoice.number}/"))
    assert 'id="amount-late-charged">R$ 30,00' in page
    assert 'id="invoice-balance">R$ 30,00' in page
    assert 'id="invoice-due-today">R$ 30,00' in page
    assert "Encargos por atraso lançados" in page  # the timeline
    assert "Encargos por atraso (multa e juros)</span> Multa R$ 20,00 + juros R$ 10,00" in page
    assert 'id="action-waive-late-charges"' in page

    form = fin_client.get(f"/faturas/{invoice.number}/acoes/waive-late-charges/")
    assert form.status_code == 200 and "R$ 30,00" in text(form)
    missing = action(fin_client, invoice, "waive-late-charges", {"amount": "10,00"})
    assert missing.status_code == 422  # the reason
    done = action(
        fin_client, invoice, "waive-late-charges", {"amount": "10,00", "reason": "Acordo"}
    )
    assert done.status_code == 200, done.content
    assert "Encargos por atraso de R$ 10,00 dispensados" in text(done)
    assert Invoice.objects.get(pk=invoice.pk).balance == Decimal("20.00")


def test_operacao_gets_no_waive_button(ops_client, books):
    invoice = _late_invoice(books)
    books.pay(invoice, "1000.00", received_at=DUE + dt.timedelta(days=30))
    page = text(ops_client.get(f"/faturas/{invoice.number}/"))
    assert 'id="action-waive-late-charges"' not in page
    assert (
        ops_client.post(f"/faturas/{invoice.number}/acoes/waive-late-charges/").status_code == 403
    )


def test_customer_late_charges_page_changes_and_resets(fin_client, ops_client):
    customer = CustomerFactory(name="Cliente Antigo")
    url = f"/clientes/{customer.pk}/encargos/"
    page = text(fin_client.get(url))
    assert 'id="current-fine">0,00% (padrão da instalação)' in page
    assert 'id="late-charges-form"' in page
    assert f'href="{url}"' in text(fin_client.get("/clientes/"))  # linked from the list

    saved = fin_client.post(url, {"late_fine_percent": "2", "late_interest_monthly_percent": "1,5"})
    assert saved.status_code == 302
    customer.refresh_from_db()
    assert (customer.late_fine_percent, customer.late_interest_monthly_percent) == (
        Decimal("2.00"),
        Decimal("1.50"),
    )
    page = text(fin_client.get(url))
    assert 'id="current-fine">2,00%' in page and "atualizados" in page

    bad = fin_client.post(url, {"late_fine_percent": "21"})
    assert bad.status_code == 422
    assert 'id="id_late_fine_percent_error"' in text(bad)

    fin_client.post(url, {"late_fine_percent": "", "late_interest_monthly_percent": ""})
    customer.refresh_from_db()
    assert customer.late_fine_percent is None and customer.late_interest_monthly_percent is None

    assert 'id="late-charges-form"' not in text(ops_client.get(url))
    assert ops_client.post(url, {"late_fine_percent": "2"}).status_code == 403
    assert fin_client.get("/clientes/999999/encargos/").status_code == 404
