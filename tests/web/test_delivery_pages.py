"""The delivery of invoices on the pages (issue 11 §2): the customer's policy in the form and
the list, the invoice's delivery (status, last error, "Reenviar"), the list filtered by
delivery, and the billing run's counts."""

from __future__ import annotations

from smtplib import SMTPException

import pytest
from django.core import mail

from fatura.billing.deliveries import billing_run_deliver
from fatura.billing.runs import billing_run_request
from fatura.billing.services import billing_run_execute
from fatura.customers.models import Customer
from fatura.receivables import delivery
from fatura.receivables.mail import MailFailed
from fatura.receivables.models import Invoice
from tests.factories import CustomerFactory
from tests.web.conftest import MONTH, text

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
VALID_CNPJ = "11.222.333/0001-81"


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _smtp_down(invoice: Invoice) -> None:
    try:
        raise SMTPException("421 servidor indisponível")
    except SMTPException as exc:
        raise MailFailed("falhou") from exc


@pytest.fixture
def failed(billing_data, fin_user, monkeypatch) -> Invoice:
    """ACME's April invoice under the automatic policy, whose e-mail failed."""
    Customer.objects.filter(pk=billing_data.acme.pk).update(delivery="email")
    run = billing_run_request(by=fin_user, month=MONTH, result_center="CR", ticket="T")
    billing_run_execute(run.pk)
    monkeypatch.setattr(delivery, "send_invoice_email", _smtp_down)
    billing_run_deliver(run.pk)
    return Invoice.objects.get(customer=billing_data.acme)


def test_the_customer_form_offers_the_delivery_policy(fin_client):
    page = text(fin_client.get("/clientes/"))
    assert 'name="delivery"' in page and "Envio da fatura" in page
    response = fin_client.post(
        "/clientes/",
        {"name": "ACME", "document": VALID_CNPJ, "email": "a@acme.example", "delivery": "manual"},
    )
    assert response.status_code == 302
    assert Customer.objects.get().delivery == "manual"
    assert "Manual" in text(fin_client.get("/clientes/"))
    fin_client.post("/clientes/", {"name": "B", "document": "529.982.247-25", "email": "b@b.ex"})
    assert Customer.objects.get(name="B").delivery == "email"  # the default with an e-mail


def test_the_invoice_page_shows_the_failure_and_reenviar_sends_it(fin_client, failed, monkeypatch):
    page = text(fin_client.get(f"/faturas/{failed.number}/"))
    assert 'id="invoice-delivery"' in page and "Falha no envio" in page
    assert "421 servidor indisponível" in page
    assert "nova tentativa automática em" in page
    assert 'id="action-resend"' in page and 'id="action-send"' not in page

    monkeypatch.setattr(delivery, "send_invoice_email", lambda invoice: None)
    response = fin_client.post(
        f"/faturas/{failed.number}/acoes/resend/", {"confirm": "on"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Fatura reenviada ao cliente por e-mail" in text(response)
    sent = Invoice.objects.get(pk=failed.pk)
    assert (sent.status, sent.delivery) == ("sent", "delivered")
    assert "Enviada por e-mail" in text(fin_client.get(f"/faturas/{failed.number}/"))


def test_reenviar_failing_again_stays_next_to_the_form(fin_client, failed):
    response = fin_client.post(
        f"/faturas/{failed.number}/acoes/resend/", {"confirm": "on"}, headers=HTMX
    )
    assert response.status_code == 502
    assert "tente de novo em “Reenviar”" in text(response)
    assert Invoice.objects.get(pk=failed.pk).delivery_attempts == 2


def test_the_invoice_list_filters_failed_deliveries(
    fin_client, failed, billing_data, django_assert_max_num_queries
):
    other = CustomerFactory(name="Sem falha")
    assert other.pk
    with django_assert_max_num_queries(6):  # web:invoices' pinned count
        page = text(fin_client.get("/faturas/", {"envio": "failed"}))
    assert failed.number in page and "Falha no envio" in page
    beta = Invoice.objects.get(customer=billing_data.beta)
    assert beta.number not in page
    everything = text(fin_client.get("/faturas/", {"envio": "bogus"}))  # ignored
    assert beta.number in everything
    csv = text(fin_client.get("/faturas/exportar.csv", {"envio": "failed"}))
    assert "Erro do envio" in csv and "421 servidor indisponível" in csv


def test_the_api_list_filter_keeps_its_query_count(fin_api, failed, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):  # /invoices' pinned count
        response = fin_api.get("/invoices", {"delivery": "failed"})
    assert [i["number"] for i in response.json()] == [failed.number]


def test_the_billing_run_page_shows_the_deliveries(fin_client, failed):
    from fatura.billing.models import BillingRun

    run = BillingRun.objects.get()
    page = text(fin_client.get(f"/cobrancas/faturamentos/{run.pk}/"))
    assert "Envio das faturas por e-mail" in page and "Envio concluído" in page
    assert 'id="deliveries-failed"' in page
    assert f"?envio=failed&amp;mes={MONTH}" in page  # the failed ones, one click away
    assert 'id="deliveries-manual"' in page
    assert mail.outbox == []
