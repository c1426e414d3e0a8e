from __future__ import annotations

import datetime as dt

from fatura.billing.models import BillingRun, Charge
from fatura.billing.services import billing_run_execute
from fatura.core import clock
from fatura.core.months import Month
from fatura.receivables.models import Invoice
from fatura.usage.services import consumption_record
from tests.factories import BillingItemFactory, CustomerFactory
from tests.web.conftest import text

HTMX = {"HX-Request": "true"}


def _finalize(client, customer, headers=HTMX, **overrides):
    data = {
        "customer": customer.pk,
        "month": "2026-04",
        "result_center": "CR-1",
        "ticket": "CHG-9",
        "total_charged": "2300,12",
        **overrides,
    }
    return client.post("/cobrancas/finalizar/", data, headers=headers)


def test_pending_charges_of_the_month_with_lines_and_problems(fin_client, billing_data, fin_user):
    late = BillingItemFactory(name="Sem preço ainda", price=("1", "2026-01"))
    consumption_record(
        by=fin_user, customer=billing_data.beta, month=Month(2026, 4), billing_item=late, quantity=1
    )
    late.prices.update(valid_from=dt.date(2026, 6, 1))  # no price in April any more
    page = text(fin_client.get("/cobrancas/", {"mes": "2026-04"}))
    assert "2 cobranças pendentes" in page
    assert 'id="charges-total-due">R$ 2.333,45<' in page  # 2.300,12 + 33,33
    assert "ACME Serviços Ltda" in page and "R$ 2.300,12" in page
    assert "Ver 2 linhas" in page  # ACME's lines, inside <details>
    assert "R$ 500,12" in page and "R$ 1.800,00" in page
    assert "O item Sem preço ainda não tem preço vigente em abril/2026." in page
    assert f'id="finalize-button-{billing_data.acme.pk}"' in page
    assert 'id="billing-run-form"' in page
    assert '<label for="run_result_center">' in page  # not the finalize form's ids


def test_month_defaults_to_the_previous_month(fin_client, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 5, 3))
    page = text(fin_client.get("/cobrancas/"))
    assert 'value="2026-04"' in page
    assert "Nenhuma cobrança pendente em abril/2026." in page


def test_finalize_form_is_prefilled_with_the_total_due(fin_client, billing_data):
    response = fin_client.get(
        "/cobrancas/finalizar/", {"cliente": billing_data.acme.pk, "mes": "2026-04"}, headers=HTMX
    )
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert 'id="finalize-form"' in page
    assert 'name="total_charged" value="2300,12"' in page
    assert 'id="finalize-total-due">R$ 2.300,12<' in page
    assert '<label for="id_result_center">Centro de resultado' in page


def test_finalize_shows_the_invoice_number_and_pdf_link(fin_client, billing_data):
    response = _finalize(fin_client, billing_data.acme, total_charged="2.250,00")
    assert response.status_code == 201
    invoice = Invoice.objects.get()
    page = text(response)
    assert f'id="finalize-invoice-number">{invoice.number}<' in page
    assert f'href="/faturas/{invoice.number}/pdf/"' in page
    assert 'hx-swap-oob="true"' in page
    assert str(invoice.total_charged) == "2250.00" and invoice.charge.ticket == "CHG-9"


def test_finalize_without_htmx_redirects_to_the_invoice(fin_client, billing_data):
    response = _finalize(fin_client, billing_data.acme, headers={})
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/faturas/{invoice.number}/"
    page = text(fin_client.get(response["Location"]))
    assert f"Cobrança finalizada: fatura {invoice.number} emitida." in page


def test_finalize_twice_shows_409(fin_client, billing_data):
    assert _finalize(fin_client, billing_data.acme).status_code == 201
    again = _finalize(fin_client, billing_data.acme)
    assert again.status_code == 409
    page = text(again)
    assert 'id="finalize-error"' in page
    assert "já foi finalizada (fatura FAT-00000001); o mês está fechado" in page
    assert Invoice.objects.count() == 1


def test_finalize_errors_are_shown_on_the_fields(fin_client, billing_data):
    response = _finalize(fin_client, billing_data.acme, result_center="", ticket=" ")
    assert response.status_code == 422
    page = text(response)
    assert 'id="id_result_center_error">Informe o centro de resultado.' in page
    assert 'id="id_ticket_error">Informe o chamado.' in page
    response = _finalize(fin_client, billing_data.acme, total_charged="-5")
    assert response.status_code == 422
    assert "O total a cobrar deve ser um valor não negativo" in text(response)
    assert not Invoice.objects.exists()


def test_finalize_form_for_a_customer_without_pending_charge_is_404(fin_client, billing_data):
    other = CustomerFactory(name="Sem Consumo")
    response = fin_client.get(
        "/cobrancas/finalizar/", {"cliente": other.pk, "mes": "2026-04"}, headers=HTMX
    )
    assert response.status_code == 404
    page = text(response)
    assert "Sem Consumo não tem cobrança pendente em abril/2026." in page
    assert "<html" not in page  # the message alone, for the inline slot


def test_operacao_sees_the_list_without_finalize_and_is_refused(ops_client, billing_data):
    page = text(ops_client.get("/cobrancas/", {"mes": "2026-04"}))
    assert "ACME Serviços Ltda" in page
    assert 'id="finalize-button-' not in page and 'id="billing-run-form"' not in page
    assert "Somente o perfil Financeiro finaliza cobranças." in page
    response = _finalize(ops_client, billing_data.acme)
    assert response.status_code == 403
    assert "Somente o perfil Financeiro finaliza cobranças." in text(response)
    assert not Invoice.objects.exists() and not Charge.objects.exists()


def test_billing_run_queues_polls_and_reports(fin_client, billing_data):
    response = fin_client.post(
        "/cobrancas/faturar-mes/",
        {"month": "2026-04", "result_center": "CR-9", "ticket": "RUN-1", "confirm": "on"},
        headers=HTMX,
    )
    assert response.status_code == 202
    run = BillingRun.objects.get()
    page = text(response)
    assert f'hx-get="/cobrancas/faturamentos/{run.pk}/" hx-trigger="every 1s"' in page
    assert 'data-status="queued"' in page
    billing_run_execute(run.pk)  # what the worker does
    done = text(fin_client.get(f"/cobrancas/faturamentos/{run.pk}/", headers=HTMX))
    assert 'data-status="done"' in done and "hx-trigger" not in done
    assert "2 cobranças finalizadas" in done
    assert "faturas FAT-00000001 a FAT-00000002" in done
    assert "R$ 2.333,45" in done
    page = text(fin_client.get(f"/cobrancas/faturamentos/{run.pk}/"))  # the page, without htmx
    assert "<html" in page and 'id="billing-run"' in page


def test_billing_run_shows_a_running_run_on_the_list(fin_client, billing_data, fin_user):
    BillingRun.objects.create(
        month=dt.date(2026, 4, 1),
        result_center="CR",
        ticket="T",
        requested_by=fin_user,
        requested_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
        status="running",
    )
    page = text(fin_client.get("/cobrancas/", {"mes": "2026-04"}))
    assert 'data-status="running"' in page and 'hx-trigger="every 1s"' in page
    assert 'id="billing-run-form"' not in page


def test_billing_run_needs_confirmation_and_fields(fin_client, billing_data):
    response = fin_client.post(
        "/cobrancas/faturar-mes/",
        {"month": "2026-04", "result_center": "", "ticket": ""},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Marque a confirmação para faturar o mês inteiro." in text(response)
    response = fin_client.post(
        "/cobrancas/faturar-mes/",
        {"month": "2026-04", "result_center": "", "ticket": "T", "confirm": "on"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert 'id="run_result_center_error">Informe o centro de resultado.' in text(response)
    assert not BillingRun.objects.exists()


def test_operacao_cannot_start_a_billing_run(ops_client, billing_data):
    response = ops_client.post(
        "/cobrancas/faturar-mes/",
        {"month": "2026-04", "result_center": "CR", "ticket": "T", "confirm": "on"},
        headers=HTMX,
    )
    assert response.status_code == 403
    assert "Somente o perfil Financeiro finaliza cobranças." in text(response)
    assert not BillingRun.objects.exists()


def test_pending_charges_csv(fin_client, billing_data):
    body = text(fin_client.get("/cobrancas/exportar.csv", {"mes": "2026-04"}))
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Mês;Cliente;CPF/CNPJ;Item de cobrança;Produto;Unidade;Quantidade")
    acme = [line for line in lines if "ACME" in line]
    assert len(acme) == 2
    assert any(";Suporte;Serviços;hora;10;180;1800,00;2300,12;" in x for x in acme)
    assert any(";Armazenamento;Cloud;GB;1500,5;0,3333;500,12;2300,12;" in x for x in acme)


def test_charges_page_query_count(fin_client, fin_user, django_assert_max_num_queries):
    items = [BillingItemFactory(price=("1.5", "2026-01")) for _ in range(3)]
    for customer in CustomerFactory.create_batch(25):
        for item in items:
            consumption_record(
                by=fin_user, customer=customer, month=Month(2026, 4), billing_item=item, quantity=2
            )
    with django_assert_max_num_queries(9):  # + the month's finalized charges
        assert fin_client.get("/cobrancas/", {"mes": "2026-04"}).status_code == 200


def test_finalize_page_without_htmx_is_a_whole_page(fin_client, billing_data):
    response = fin_client.get(
        "/cobrancas/finalizar/", {"cliente": billing_data.beta.pk, "mes": "2026-04"}
    )
    page = text(response)
    assert response.status_code == 200
    assert "<html" in page and 'id="finalize-form"' in page
    assert 'name="total_charged" value="33,33"' in page


def test_a_finalized_row_stays_with_issue_date_value_charged_and_situation(
    fin_client, billing_data, invoice
):
    page = text(fin_client.get("/cobrancas/", {"mes": "2026-04"}))
    acme, beta = billing_data.acme.pk, billing_data.beta.pk
    assert f'id="charge-{acme}"' in page and f'id="charge-{beta}"' in page
    assert f'id="charge-issue-date-{acme}">05/05/2026<' in page
    assert f'id="charge-total-charged-{acme}">R$ 2.250,00<' in page
    assert '<span class="badge badge-success">Finalizada</span>' in page
    assert f'id="charge-invoice-{acme}">{invoice.number}<' in page
    assert f'id="finalize-button-{acme}"' not in page
    assert f'id="finalize-button-{beta}"' in page and ">Cobrar<" in page
    assert "1 cobrança pendente" in page and "1 finalizada" in page


def test_rows_are_filtered_by_situation_with_or_without_htmx(fin_client, billing_data, invoice):
    acme, beta = billing_data.acme.pk, billing_data.beta.pk
    for headers in ({}, HTMX):
        finalized = text(
            fin_client.get(
                "/cobrancas/", {"mes": "2026-04", "situacao": "finalized"}, headers=headers
            )
        )
        assert f'id="charge-{acme}"' in finalized and f'id="charge-{beta}"' not in finalized
        assert "1 cobrança pendente" in finalized  # the summary counts the whole month
        if headers:  # HTMX swaps the table only: no page around it (nor its CSP nonce)
            assert "<html" not in finalized and 'id="charges-section"' in finalized
        else:
            assert '<option value="finalized" selected>Finalizada</option>' in finalized
        pending = text(
            fin_client.get(
                "/cobrancas/", {"mes": "2026-04", "situacao": "pending"}, headers=headers
            )
        )
        assert f'id="charge-{acme}"' not in pending and f'id="charge-{beta}"' in pending
    # the form works without JavaScript (a plain GET) and with HTMX (swaps the table)
    page = text(fin_client.get("/cobrancas/", {"mes": "2026-04"}))
    assert 'id="charges-month-form" action="/cobrancas/"' in page
    assert 'hx-target="#charges-section"' in page and 'id="charges-section"' in page
    empty = text(fin_client.get("/cobrancas/", {"mes": "2026-03", "situacao": "finalized"}))
    assert "Nenhuma cobrança finalizada em março/2026." in empty
    # an unknown situação lists every row
    every = text(fin_client.get("/cobrancas/", {"mes": "2026-04", "situacao": "x"}))
    assert f'id="charge-{acme}"' in every and f'id="charge-{beta}"' in every


def test_htmx_finalize_turns_the_row_into_finalized(fin_client, billing_data):
    page = text(_finalize(fin_client, billing_data.acme))
    acme = billing_data.acme.pk
    day = Invoice.objects.get().issue_date.strftime("%d/%m/%Y")
    assert f'id="charge-issue-date-{acme}" hx-swap-oob="true">{day}<' in page
    assert f'id="charge-total-charged-{acme}" hx-swap-oob="true">R$ 2.300,12<' in page
    assert "Finalizada</span>" in page


def test_charges_csv_has_the_finalized_rows_too(fin_client, billing_data, invoice):
    body = text(fin_client.get("/cobrancas/exportar.csv", {"mes": "2026-04"}))
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0].endswith(";Situação;Data de emissão;Valor cobrado (R$);Fatura")
    assert any(line.endswith(f";Finalizada;05/05/2026;2250,00;{invoice.number}") for line in lines)
    assert any("Beta" in line and line.endswith(";Cobrar;;;") for line in lines)
