"""The receivables pages: invoice list filters, a direct invoice, the invoice's home with its
actions (htmx, inline errors), payments, collections and the reports; both roles."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from fatura.receivables import corrections, payments, services
from fatura.receivables.models import Invoice, Payment
from tests.factories import financeiro
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock
from tests.web.conftest import text

__all__ = ["frozen_clock"]  # autouse here: every page sees tests.scenarios.NOW (05/05/2026)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def approver(db: Any) -> Any:
    return financeiro("aprovador")


@pytest.fixture
def books(fin_user: Any, approver: Any, frozen_clock: Any, settings: Any) -> Books:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FATURA_APPROVAL_THRESHOLD = "10000.00"
    return Books(fin_user, approver, frozen_clock)


@pytest.fixture
def approver_client(approver: Any) -> Client:
    client = Client()
    client.force_login(approver)
    return client


def action(client: Client, invoice: Invoice, name: str, data: Any = None, htmx: bool = True) -> Any:
    url = f"/faturas/{invoice.number}/acoes/{name}/"
    return client.post(url, data or {}, headers=HTMX if htmx else {})


def section(page: str, ident: str) -> str:
    return page.split(f'id="{ident}"', 1)[1]


# --- the invoice list ---------------------------------------------------------------------


def test_invoice_list_has_receivable_columns_and_filters(fin_client, books):
    customer = books.customer(name="Gama Logística")
    sent = books.sent(customer, amount="500.00")
    draft = books.draft(customer, amount="70.00")
    proforma = books.draft(customer, kind="proforma", amount="30.00")
    books.pay(sent, "200.00")
    page = text(fin_client.get("/faturas/"))
    table = section(page, "invoices-table")
    for header in ("Vencimento", "Saldo", "Situação", "Pagamento"):
        assert f">{header}</th>" in table
    assert "Enviada ao cliente" in table and "Parcialmente paga" in table
    assert "R$ 300,00" in table and "04/06/2026" in table  # balance, due date (05/05 + 30)
    assert 'id="invoice-new" href="/faturas/nova/"' in page

    def numbers(query: dict[str, str]) -> set[str]:
        found = text(fin_client.get("/faturas/", query))
        return set(re.findall(r"(?:FAT|PRO)-\d{8}(?=</a>)", found))

    assert numbers({"situacao": "draft"}) == {draft.number, proforma.number}
    assert numbers({"tipo": "proforma"}) == {proforma.number}
    assert numbers({"pagamento": "partially_paid"}) == {sent.number}
    assert numbers({"vencidas": "on"}) == set()
    books.clock.advance(days=40)  # due 04/06 has passed, still R$ 300,00 owed
    assert numbers({"vencidas": "on"}) == {sent.number}
    page = text(fin_client.get("/faturas/", {"situacao": "closed"}))
    assert "Nenhuma fatura com esses filtros." in page


def test_invoice_csv_follows_the_filters(fin_client, books):
    books.sent(amount="10.00")
    draft = books.draft(amount="20.00")
    lines = text(fin_client.get("/faturas/exportar.csv", {"situacao": "draft"})).splitlines()
    assert len(lines) == 2 and lines[1].startswith(draft.number)


# --- a direct invoice ---------------------------------------------------------------------


def test_new_invoice_form(fin_client, books):
    customer = books.customer(name="Delta Engenharia")
    page = text(fin_client.get("/faturas/nova/"))
    assert "Nova fatura" in page and ">Delta Engenharia (" in page
    assert page.count('name="line_description"') == 4  # three rows and the row template
    assert 'value="05/05/2026"' in page  # issue date: today, dd/mm/aaaa
    assert 'id="line-add"' in page and 'id="recurrence-fieldset"' in page
    assert customer.pk


def test_create_simple_invoice_with_pt_br_numbers(fin_client, books):
    customer = books.customer()
    response = fin_client.post(
        "/faturas/nova/",
        {
            "customer": customer.pk,
            "kind": "simple",
            "issue_date": "05/05/2026",
            "payment_terms": "NET60",
            "description": "Projeto de implantação",
            "line_description": ["Consultoria", "", "Treinamento"],
            "line_quantity": ["1,5", "", "2"],
            "line_unit_price": ["1.000,00", "", "250,25"],
        },
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/faturas/{invoice.number}/"
    assert (invoice.status, invoice.total_charged, invoice.payment_terms) == (
        "draft",
        Decimal("2000.50"),
        "NET60",
    )
    assert list(invoice.lines.values_list("item_name", flat=True)) == [
        "Consultoria",
        "Treinamento",
    ]
    page = text(fin_client.get(response["Location"]))
    assert f"Fatura {invoice.number} criada em rascunho: total R$ 2.000,50." in page


def test_create_invoice_errors_per_field_and_line(fin_client, books):
    customer = books.customer()
    response = fin_client.post(
        "/faturas/nova/",
        {
            "customer": customer.pk,
            "kind": "simple",
            "issue_date": "05/05/2026",
            "line_description": ["", "Suporte"],
            "line_quantity": ["2", "abc"],
            "line_unit_price": ["10", "0"],
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert 'id="invoice-error"' in page and "Corrija as linhas destacadas abaixo." in page
    row1 = page.split('id="line-1-description"')[1].split("</tr>")[0]
    assert row1.startswith(' data-n maxlength="200" value="" aria-invalid="true"')
    assert 'id="line-1-description-error" data-n>descrição obrigatória<' in row1
    row2 = page.split('id="line-2-description"')[1].split("</tr>")[0]
    assert (
        'id="line-2-quantity-error" data-n>informe um número maior que zero (até 6 casas)<' in row2
    )
    assert 'id="line-2-unit_price-error" data-n>' in row2
    assert 'value="Suporte"' in page and 'value="abc"' in page  # what was typed stays
    assert not Invoice.objects.exists()
    bad_date = fin_client.post(
        "/faturas/nova/",
        {"customer": customer.pk, "kind": "simple", "issue_date": "31/02/2026"},
    )
    assert bad_date.status_code == 422
    assert 'id="id_issue_date_error">Informe a data no formato dd/mm/aaaa.<' in text(bad_date)


def test_recurring_invoice_needs_its_frequency(fin_client, books):
    customer = books.customer()
    data = {
        "customer": customer.pk,
        "kind": "recurring",
        "issue_date": "05/05/2026",
        "line_description": ["Mensalidade"],
        "line_quantity": ["1"],
        "line_unit_price": ["99,90"],
    }
    response = fin_client.post("/faturas/nova/", data)
    assert response.status_code == 422
    assert 'id="id_frequency_error"' in text(response)
    response = fin_client.post("/faturas/nova/", {**data, "frequency": "monthly"})
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and invoice.kind == "recurring"
    page = text(fin_client.get(response["Location"]))
    assert "Recorrência" in page and "Mensal" in page


def test_create_proforma_takes_its_own_series(fin_client, books):
    customer = books.customer()
    fin_client.post(
        "/faturas/nova/",
        {
            "customer": customer.pk,
            "kind": "proforma",
            "issue_date": "05/05/2026",
            "line_description": ["Orçamento"],
            "line_quantity": ["1"],
            "line_unit_price": ["10"],
        },
    )
    assert Invoice.objects.get().number.startswith("PRO-")


def test_operacao_cannot_create_invoices(ops_client, books):
    customer = books.customer()
    assert ops_client.get("/faturas/nova/").status_code == 403
    response = ops_client.post(
        "/faturas/nova/",
        {"customer": customer.pk, "kind": "simple", "issue_date": "05/05/2026"},
    )
    assert response.status_code == 403
    assert "Somente o perfil Financeiro cria ou altera faturas." in text(response)
    assert 'id="invoice-new"' not in text(ops_client.get("/faturas/"))
    assert not Invoice.objects.exists()


# --- the invoice's home -------------------------------------------------------------------


def test_draft_invoice_page_shows_badges_amounts_and_its_one_action(fin_client, books):
    invoice = books.draft(amount="1234.56")
    page = text(fin_client.get(f"/faturas/{invoice.number}/"))
    assert 'id="invoice-status" title="Situação do documento">Rascunho<' in page
    assert 'id="invoice-payment-status" title="Situação do pagamento">Em aberto<' in page
    assert 'id="amount-total">R$ 1.234,56<' in page
    assert 'id="invoice-balance">R$ 1.234,56<' in page
    assert 'id="invoice-due-date">04/06/2026' in page
    actions = section(page, "invoice-actions").split("</div>")[0]
    assert re.findall(r'id="action-([a-z-]+)"', actions) == ["complete"]
    for empty in ("no-payments", "no-disputes", "no-credit-notes", "no-adjustments"):
        assert f'id="{empty}"' in page
    timeline = section(page, "timeline")
    assert "Fatura criada" in timeline and "por fin" in timeline


def test_sent_invoice_actions_follow_the_role(fin_client, ops_client, books):
    invoice = books.sent(amount="500.00")
    fin_page = text(fin_client.get(f"/faturas/{invoice.number}/"))
    fin_actions = re.findall(r'id="action-([a-z-]+)" data-action-open', fin_page)
    assert fin_actions == [
        "remind", "call", "dispute", "credit-note", "adjust", "write-off"
    ]  # fmt: skip
    assert 'id="invoice-record-payment"' in fin_page
    ops_page = text(ops_client.get(f"/faturas/{invoice.number}/"))
    ops_actions = re.findall(r'id="action-([a-z-]+)" data-action-open', ops_page)
    assert ops_actions == ["remind", "call", "dispute"]
    assert 'id="invoice-record-payment"' not in ops_page


def test_invoice_page_lists_payments_corrections_disputes_and_the_timeline(fin_client, books):
    invoice = books.sent(amount="1000.00")
    books.pay(invoice, "300.00")
    corrections.credit_note_issue(by=books.user, number=invoice.number, amount="50.00",
                                  reason="Desconto comercial")  # fmt: skip
    corrections.invoice_adjust(by=books.user, number=invoice.number, amount="20.00",
                               reason="Frete")  # fmt: skip
    corrections.dispute_register(by=books.user, number=invoice.number,
                                 reason="preco_incorreto", amount="100.00")  # fmt: skip
    books.clock.advance(days=40)
    services.due_dates_passed()  # disputed: not overdue, nothing automated yet
    other = books.sent(amount="10.00")
    services.due_dates_passed(today=dt.date(2026, 7, 1))
    page = text(fin_client.get(f"/faturas/{invoice.number}/"))
    assert 'id="invoice-status" title="Situação do documento">Em disputa<' in page
    assert 'id="invoice-open-disputes">1 disputa aberta<' in page
    assert 'id="amount-applied">R$ 300,00<' in page
    assert 'id="amount-credited">R$ 50,00<' in page and 'id="amount-debited">R$ 20,00<' in page
    assert 'id="invoice-balance">R$ 670,00<' in page
    assert "nº " in section(page, "invoice-payments") and "PIX" in section(page, "invoice-payments")
    assert "NC-00000001" in section(page, "invoice-credit-notes")
    assert "AJ-00000001" in section(page, "invoice-adjustments")
    assert "Preço incorreto" in section(page, "invoice-disputes")
    timeline = section(page, "timeline")
    for label in ("Pagamento aplicado à fatura", "Nota de crédito emitida", "Fatura ajustada",
                  "Disputa registrada"):  # fmt: skip
        assert label in timeline
    assert "aplicado</dt><dd>R$ 300,00" in timeline and "motivo</dt><dd>Preço incorreto" in timeline
    other_page = text(fin_client.get(f"/faturas/{other.number}/"))
    automated = section(other_page, "timeline")
    assert "Vencimento ultrapassado" in automated and ">automático</span>" in automated
    assert "por system" in automated


def test_usage_invoice_keeps_its_charge_events(ops_client, invoice):
    page = text(ops_client.get(f"/faturas/{invoice.number}/"))
    timeline = section(page, "timeline")
    assert timeline.index("Consumo lançado") < timeline.index("Cobrança finalizada")
    assert "Concluída" in page  # usage invoices enter the flow completed


# --- actions --------------------------------------------------------------------------------


def test_action_form_opens_inline_with_htmx_and_as_a_page_without(fin_client, books):
    invoice = books.draft()
    url = f"/faturas/{invoice.number}/acoes/complete/"
    partial = text(fin_client.get(url, headers=HTMX))
    assert partial.startswith("<form") and 'hx-post="' + url + '"' in partial
    assert "Pular para o conteúdo" not in partial  # no layout around it
    page = text(fin_client.get(url))
    assert "Pular para o conteúdo" in page and 'id="action-form"' in page


def test_complete_with_htmx_rerenders_the_invoice(fin_client, books):
    invoice = books.draft()
    response = action(fin_client, invoice, "complete")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#invoice-live" and response["HX-Reswap"] == "outerHTML"
    body = text(response)
    assert body.startswith('<div id="invoice-live">')
    assert 'id="action-result" tabindex="-1"><p>Fatura concluída.</p>' in body
    assert 'id="invoice-status" title="Situação do documento">Concluída<' in body
    assert "Fatura concluída" in section(body, "timeline")
    assert books.reload(invoice).status == "completed"


def test_action_without_htmx_redirects_with_a_message(fin_client, books):
    invoice = books.draft()
    response = action(fin_client, invoice, "complete", htmx=False)
    assert response.status_code == 302
    assert "Fatura concluída." in text(fin_client.get(response["Location"]))


def test_action_the_state_refuses_is_a_409_next_to_the_form(fin_client, books):
    invoice = books.draft()
    response = action(fin_client, invoice, "send")
    assert response.status_code == 409
    body = text(response)
    assert body.startswith("<form") and 'id="action-error"' in body
    assert "“Rascunho”. Ações permitidas: concluir." in body
    assert books.reload(invoice).status == "draft"


def test_approval_reject_needs_a_reason_and_own_approval_is_403_inline(
    fin_client, approver_client, books
):
    invoice = books.draft(amount="20000.00")
    services.invoice_complete(by=books.user, number=invoice.number)
    refused = action(fin_client, invoice, "send")
    assert refused.status_code == 409 and "precisa de aprovação" in text(refused)
    action(fin_client, invoice, "submit")
    own = action(fin_client, invoice, "approve")
    assert own.status_code == 403
    assert "a aprovação deve vir de outro usuário do Financeiro" in text(own)
    blank = action(approver_client, invoice, "reject", {"reason": " "})
    assert blank.status_code == 422
    assert 'id="id_reason_error"' in text(blank)
    rejected = action(approver_client, invoice, "reject", {"reason": "Valor errado"})
    assert "Fatura rejeitada: voltou para rascunho." in text(rejected)
    assert books.reload(invoice).rework_count == 1
    action(fin_client, invoice, "complete")
    action(fin_client, invoice, "submit")
    approved = action(approver_client, invoice, "approve")
    assert "Fatura aprovada." in text(approved)
    sent = action(fin_client, invoice, "send")
    assert "Fatura enviada ao cliente por e-mail" in text(sent)
    assert len(mail.outbox) == 1 and books.reload(invoice).status == "sent"


def test_call_with_a_promise_needs_the_date(ops_client, books):
    invoice = books.sent()
    form = text(ops_client.get(f"/faturas/{invoice.number}/acoes/call/", headers=HTMX))
    assert "Promessa de pagamento" in form and 'name="promise_date"' in form
    missing = action(ops_client, invoice, "call", {"outcome": "promise_to_pay"})
    assert missing.status_code == 422
    assert 'id="id_promise_date_error"' in text(missing)
    done = action(ops_client, invoice, "call", {"outcome": "promise_to_pay",
                                                "promise_date": "20/05/2026"})  # fmt: skip
    assert "Ligação registrada: Promessa de pagamento." in text(done)
    assert "promessa para</dt><dd>20/05/2026" in section(text(done), "timeline")


def test_dispute_then_resolution_by_credit_note(fin_client, ops_client, books):
    invoice = books.sent(amount="800.00")
    too_much = action(ops_client, invoice, "dispute", {"reason": "outro", "amount": "900,00"})
    assert too_much.status_code == 422 and "passa do saldo" in text(too_much)
    data = {"reason": "divergencia_quantidade", "amount": "150,00", "note": "10 h a menos"}
    opened = action(ops_client, invoice, "dispute", data)
    assert "Disputa registrada (Divergência de quantidade, R$ 150,00)" in text(opened)
    assert books.reload(invoice).status == "disputed"
    form = text(fin_client.get(f"/faturas/{invoice.number}/acoes/resolve-dispute/", headers=HTMX))
    dispute_id = re.search(r'<option value="(\d+)"', form.split('name="dispute_id"')[1]).group(1)
    resolved = action(fin_client, invoice, "resolve-dispute",
                      {"dispute_id": dispute_id, "resolution": "credit_note"})  # fmt: skip
    body = text(resolved)
    assert "Disputa resolvida: Nota de crédito." in body
    assert 'id="invoice-balance">R$ 650,00<' in body and "NC-00000001" in body


def test_credit_note_and_signed_adjustment(fin_client, books):
    invoice = books.sent(amount="500.00")
    bad = action(fin_client, invoice, "credit-note", {"amount": "abc", "reason": "x"})
    assert bad.status_code == 422 and 'id="id_amount_error"' in text(bad)
    note = action(fin_client, invoice, "credit-note", {"amount": "100,00", "reason": "Brinde"})
    assert "Nota de crédito NC-00000001 emitida: R$ 100,00." in text(note)
    adjusted = action(fin_client, invoice, "adjust", {"amount": "-50,00", "reason": "Acordo"})
    assert "Ajuste AJ-00000001 registrado: -R$ 50,00." in text(adjusted)
    assert books.reload(invoice).balance == Decimal("350.00")


def test_write_off_is_financeiro_only(fin_client, ops_client, books):
    invoice = books.sent(amount="90.00")
    denied = ops_client.post(f"/faturas/{invoice.number}/acoes/write-off/", {"reason": "x"})
    assert denied.status_code == 403
    page = text(denied)
    assert "Ação não permitida para o seu perfil" in page and "Pular para o conteúdo" in page
    assert "Somente o perfil Financeiro baixa faturas como perda." in page
    assert books.reload(invoice).status == "sent"
    assert ops_client.get(f"/faturas/{invoice.number}/acoes/write-off/").status_code == 403
    done = action(fin_client, invoice, "write-off", {"reason": "Cliente falido"})
    assert "Saldo de R$ 90,00 baixado como perda" in text(done)
    invoice = books.reload(invoice)
    assert (invoice.status, invoice.balance) == ("written_off", 0)


def test_convert_proforma_goes_to_the_new_invoice(fin_client, books):
    proforma = books.draft(kind="proforma", amount="40.00")
    response = action(fin_client, proforma, "convert")
    new = Invoice.objects.get(kind="simple")
    assert response["HX-Redirect"] == f"/faturas/{new.number}/"
    page = text(fin_client.get(f"/faturas/{proforma.number}/"))
    assert f'id="invoice-converted-to" href="/faturas/{new.number}/"' in page


def test_unknown_action_is_a_404(fin_client, books):
    invoice = books.draft()
    assert fin_client.get(f"/faturas/{invoice.number}/acoes/delete/").status_code == 404


# --- payments -----------------------------------------------------------------------------


def test_payments_list_empty_state(fin_client, ops_client, db):
    page = text(fin_client.get("/pagamentos/"))
    assert 'id="payments-empty"' in page and "Nenhum pagamento registrado ainda." in page
    assert 'id="payment-new"' in page
    assert 'id="payment-new"' not in text(ops_client.get("/pagamentos/"))


def test_record_payment_with_allocation_and_credit_left(fin_client, books):
    customer = books.customer(name="Épsilon Ltda")
    older = books.sent(customer, amount="1000.00")
    form = text(fin_client.get("/pagamentos/novo/", {"cliente": customer.pk}))
    assert older.number in section(form, "open-invoices-table")
    assert 'id="pay-oldest-first"' in form
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', form).group(1)
    data = {
        "customer": customer.pk,
        "amount": "1.500,00",
        "received_at": "04/05/2026",
        "method": "transferencia",
        "reference": "TED 123",
        "idempotency_key": key,
        "alloc_invoice": [older.number],
        "alloc_amount": ["1.000,00"],
    }
    response = fin_client.post("/pagamentos/novo/", data)
    payment = Payment.objects.get()
    assert response["Location"] == f"/pagamentos/{payment.pk}/"
    page = text(fin_client.get(response["Location"]))
    assert (
        f"Pagamento nº {payment.pk} registrado: R$ 1.000,00 aplicado, R$ 500,00 como crédito."
        in page
    )
    assert 'id="payment-unapplied">R$ 500,00<' in page
    assert older.number in section(page, "allocations-table")
    assert books.reload(older).status == "closed"
    again = fin_client.post("/pagamentos/novo/", data)  # a double submit: same key
    assert again["Location"] == f"/pagamentos/{payment.pk}/"
    assert Payment.objects.count() == 1
    assert "já tinha sido registrado" in text(fin_client.get(again["Location"]))


def test_payment_errors_stay_on_their_row_and_field(fin_client, books):
    customer = books.customer()
    invoice = books.sent(customer, amount="100.00")
    data = {
        "customer": customer.pk,
        "amount": "200,00",
        "received_at": "05/05/2026",
        "method": "pix",
        "idempotency_key": "k1",
        "alloc_invoice": [invoice.number],
        "alloc_amount": ["150,00"],
    }
    over = fin_client.post("/pagamentos/novo/", data)
    assert over.status_code == 422
    page = text(over)
    assert f'id="alloc-{invoice.number}-error">maior que o saldo<' in page
    assert 'value="150,00"' in page and "passa do saldo da fatura" in page
    late_post = fin_client.post("/pagamentos/novo/", {**data, "alloc_amount": ["100"],
                                                      "posted_at": "01/05/2026"})  # fmt: skip
    assert late_post.status_code == 422
    assert 'id="id_posted_at_error">antes do recebimento<' in text(late_post)
    assert not Payment.objects.exists()


def test_payment_form_prefills_from_the_invoice_and_reloads_open_invoices(fin_client, books):
    customer = books.customer()
    invoice = books.sent(customer, amount="75.50")
    page = text(fin_client.get(f"/faturas/{invoice.number}/"))
    link = re.search(r'id="invoice-record-payment" href="([^"]+)"', page).group(1)
    form = text(fin_client.get(link.replace("&amp;", "&")))
    assert f'id="alloc-{invoice.number}" value="75,50"' in form
    assert 'name="amount" value="75,50"' in form
    partial = text(fin_client.get("/pagamentos/novo/faturas/", {"customer": customer.pk},
                                  headers=HTMX))  # fmt: skip
    assert partial.startswith('<div id="open-invoices">') and invoice.number in partial
    nobody = text(fin_client.get("/pagamentos/novo/faturas/", {"customer": ""}, headers=HTMX))
    assert "Escolha o cliente" in nobody


def test_payments_list_filters_and_csv(fin_client, books):
    customer = books.customer(name="Zeta SA")
    invoice = books.sent(customer, amount="100.00")
    books.pay(invoice, "100.00", received_at=dt.date(2026, 5, 2))
    payments.payment_record(by=books.user, customer=customer, amount="40.00",
                            received_at=dt.date(2026, 5, 4), method="boleto")  # fmt: skip
    page = text(fin_client.get("/pagamentos/"))
    assert page.count('id="payment-row-') == 2 and "Zeta SA" in page
    assert text(fin_client.get("/pagamentos/", {"forma": "boleto"})).count('id="payment-row-') == 1
    unapplied = text(fin_client.get("/pagamentos/", {"nao_aplicado": "on"}))
    assert unapplied.count('id="payment-row-') == 1 and "R$ 40,00" in unapplied
    period = text(fin_client.get("/pagamentos/", {"de": "03/05/2026", "ate": "05/05/2026"}))
    assert period.count('id="payment-row-') == 1
    none = text(fin_client.get("/pagamentos/", {"de": "06/05/2026"}))
    assert "Nenhum pagamento com esses filtros." in none
    response = fin_client.get("/pagamentos/exportar.csv", {"forma": "pix"})
    assert 'filename="pagamentos.csv"' in response["Content-Disposition"]
    lines = text(response).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Pagamento;Cliente;CPF/CNPJ;Recebido em;Forma")
    assert len(lines) == 2 and ";Zeta SA;" in lines[1] and ";02/05/2026;PIX;" in lines[1]


def test_payment_page_applies_credit_posts_and_reverses(fin_client, books):
    customer = books.customer()
    first = books.sent(customer, amount="100.00")
    second = books.sent(customer, amount="300.00")
    result = payments.payment_record(by=books.user, customer=customer, amount="250.00",
                                     received_at=dt.date(2026, 5, 5), method="pix")  # fmt: skip
    pid = result.payment.pk
    page = text(fin_client.get(f"/pagamentos/{pid}/"))
    assert 'id="apply-form"' in page and 'id="post-form"' in page and 'id="reverse-form"' in page
    applied = fin_client.post(f"/pagamentos/{pid}/aplicar/", {
        "alloc_invoice": [first.number, second.number], "alloc_amount": ["100,00", "100,00"],
    }, headers=HTMX)  # fmt: skip
    assert applied["HX-Retarget"] == "#payment-live"
    assert "Crédito aplicado: R$ 200,00 no total; restam R$ 50,00." in text(applied)
    assert books.reload(first).status == "closed"
    early = fin_client.post(f"/pagamentos/{pid}/contabilizar/", {"posted_at": "01/05/2026"},
                            headers=HTMX)  # fmt: skip
    assert early.status_code == 422 and text(early).startswith("<form")
    assert "A data contábil não pode ser anterior ao recebimento." in text(early)
    posted = fin_client.post(f"/pagamentos/{pid}/contabilizar/", {"posted_at": "07/05/2026"},
                             headers=HTMX)  # fmt: skip
    assert "Pagamento contabilizado em 07/05/2026." in text(posted)
    reversed_ = fin_client.post(f"/pagamentos/{pid}/estornar/", {"reason": "PIX devolvido"})
    assert reversed_.status_code == 302
    page = text(fin_client.get(f"/pagamentos/{pid}/"))
    assert 'id="payment-state">Estornado<' in page and "row-reversed" in page
    assert 'id="reverse-form"' not in page
    assert books.reload(first).status == "sent" and books.reload(first).balance == 100


def test_operacao_reads_payments_but_cannot_record_them(ops_client, books):
    invoice = books.sent(amount="100.00")
    result = books.pay(invoice, "60.00")
    assert ops_client.get("/pagamentos/novo/").status_code == 403
    response = ops_client.post("/pagamentos/novo/", {"customer": invoice.customer_id,
                                                     "amount": "1", "method": "pix",
                                                     "received_at": "05/05/2026"})  # fmt: skip
    assert response.status_code == 403
    assert "Somente o perfil Financeiro registra ou estorna pagamentos." in text(response)
    page = text(ops_client.get(f"/pagamentos/{result.payment.pk}/"))
    assert 'id="payment-readonly"' in page and 'id="reverse-form"' not in page
    denied = ops_client.post(f"/pagamentos/{result.payment.pk}/estornar/", {"reason": "x"})
    assert denied.status_code == 403
    assert Payment.objects.count() == 1 and not Payment.objects.get().is_reversed


def test_navigation_has_the_receivables_pages(fin_client, db):
    page = text(fin_client.get("/pagamentos/"))
    assert 'id="nav-payments" href="/pagamentos/" aria-current="page"' in page
    assert 'id="nav-collections" href="/cobranca/"' in page
    assert 'id="nav-reports" href="/relatorios/aging/"' in page
    assert 'id="nav-charges" href="/cobrancas/"' in page  # the monthly charges stay


# --- collections --------------------------------------------------------------------------


def test_worklist_by_priority_with_an_inline_call(ops_client, books):
    small = books.sent(books.customer(name="Pequena Ltda"), amount="100.00")
    large = books.sent(books.customer(name="Grande SA"), amount="900.00")
    books.clock.advance(days=40)
    services.due_dates_passed()
    page = text(ops_client.get("/cobranca/"))
    table = section(page, "worklist-table")
    assert table.index(large.number) < table.index(small.number)  # 900 × 10 days first
    assert "Grande SA" in table and "R$ 900,00" in table and "10 dias" in table
    assert 'id="worklist-total">R$ 1.000,00<' in page
    url = f"/cobranca/ligacao/{large.number}/"
    assert f'hx-get="{url}" hx-target="#slot-{large.number}"' in table
    form = text(ops_client.get(url, headers=HTMX))
    assert form.startswith(f'<form method="post" action="{url}"')
    bad = ops_client.post(url, {"outcome": "promise_to_pay"}, headers=HTMX)
    assert bad.status_code == 422
    assert f'id="call-{large.number}-promise_date_error"' in text(bad)
    done = ops_client.post(url, {"outcome": "promise_to_pay", "promise_date": "15/06/2026"},
                           headers=HTMX)  # fmt: skip
    body = text(done)
    assert f'id="call-done-{large.number}"' in body
    assert f"Ligação registrada para {large.number}: Promessa de pagamento." in body
    assert "Promessa para 15/06/2026." in body
    again = section(text(ops_client.get("/cobranca/")), f"last-call-{large.number}")
    assert again.startswith(">Promessa de pagamento") and "promessa para 15/06/2026" in again


def test_worklist_empty_state_csv_and_collector_filter(ops_client, ops_user, books):
    page = text(ops_client.get("/cobranca/"))
    assert 'id="worklist-empty"' in page and "Nada a cobrar hoje." in page
    mine = books.sent(books.customer(collector=ops_user), amount="50.00")
    other = books.sent(amount="70.00")
    books.clock.advance(days=40)
    page = text(ops_client.get("/cobranca/"))  # a collector sees his own customers first
    assert mine.number in page and other.number not in page
    everyone = text(ops_client.get("/cobranca/", {"cobrador": "todos"}))
    assert mine.number in everyone and other.number in everyone
    response = ops_client.get("/cobranca/exportar.csv", {"cobrador": "todos"})
    lines = text(response).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Fatura;Cliente;Cobrador;Vencimento;Dias em atraso;Saldo")
    assert len(lines) == 3 and lines[1].startswith(other.number)  # 70 × 10 ranks first


def test_dunning_strategies_financeiro_edits_operacao_reads(fin_client, ops_client, books):
    books.customer(segment="Varejo")
    books.customer(segment="Indústria")
    page = text(ops_client.get("/cobranca/reguas/"))
    assert 'id="strategies-readonly"' in page and 'id="builtin-levels"' in page
    assert "Varejo" in page and "Indústria" in page and "usa a régua padrão" in page
    assert "/cobranca/reguas/editar/" not in page
    assert ops_client.get("/cobranca/reguas/editar/?segmento=Varejo").status_code == 403
    denied = ops_client.post("/cobranca/reguas/editar/", {"segmento": "Varejo", "name": "x"})
    assert denied.status_code == 403
    assert "Somente o perfil Financeiro altera as réguas de cobrança." in text(denied)
    form = text(fin_client.get("/cobranca/reguas/editar/", {"segmento": "Varejo"}))
    assert form.count('name="level_days"') == 5  # the four default levels and an empty row
    bad = fin_client.post("/cobranca/reguas/editar/", {
        "segmento": "Varejo", "name": "Varejo", "level_days": ["10", "5", "x"],
        "level_action": ["reminder", "call_task", "handover"], "level_min_balance": ["", "", ""],
    })  # fmt: skip
    assert bad.status_code == 422
    assert 'id="level-3-error">Dias após o vencimento: um número inteiro' in text(bad)
    order = fin_client.post("/cobranca/reguas/editar/", {
        "segmento": "Varejo", "name": "Varejo", "level_days": ["10", "5"],
        "level_action": ["reminder", "call_task"], "level_min_balance": ["", ""],
    })  # fmt: skip
    assert order.status_code == 422 and 'id="level-2-error">deve crescer<' in text(order)
    saved = fin_client.post("/cobranca/reguas/editar/", {
        "segmento": "Varejo", "name": "Varejo rápido", "level_days": ["3", "20", ""],
        "level_action": ["reminder", "call_task", ""], "level_min_balance": ["", "500,00", ""],
    })  # fmt: skip
    assert saved.status_code == 302
    page = text(fin_client.get("/cobranca/reguas/"))
    assert "Régua Varejo salva." in page and "Varejo rápido" in page
    assert "Tarefa de ligação de cobrança" in page and "saldo a partir de R$ 500,00" in page


# --- reports ------------------------------------------------------------------------------


def test_aging_page_chart_table_and_exports(ops_client, books):
    acme = books.customer(name="ACME Aging", segment="Varejo")
    late = books.sent(acme, amount="1000.00")
    books.pay(late, "400.00")
    books.sent(books.customer(name="Beta Aging", segment="Serviços"), amount="250.00")
    books.clock.advance(days=45)
    page = text(ops_client.get("/relatorios/aging/"))
    assert 'id="aging-chart"' in page and "/assets/plotly.min.js?v=" in page
    table = section(page, "aging-table")
    assert "ACME Aging" in table and "R$ 600,00" in table  # by what is owed, not the total
    assert "1–30 dias" in table and 'id="aging-grand-total">R$ 850,00<' in table
    assert f'href="/clientes/{acme.pk}/extrato/?as_of=' in table
    grouped = text(ops_client.get("/relatorios/aging/", {"group_by": "segment"}))
    assert ">Varejo</th>" in grouped and ">Serviços</th>" in grouped
    before = text(ops_client.get("/relatorios/aging/", {"as_of": "01/05/2026"}))
    assert 'id="aging-empty"' in before and "Nada em aberto nesta data." in before
    bad = ops_client.get("/relatorios/aging/", {"as_of": "ontem"})
    assert bad.status_code == 422 and 'id="id_as_of_error"' in text(bad)
    csv_lines = text(ops_client.get("/relatorios/aging/exportar.csv")).lstrip("\ufeff")
    assert csv_lines.splitlines()[0].startswith("Cliente;Faturas;A vencer;1–30 dias")
    assert "ACME Aging;1;0,00;600,00" in csv_lines
    pdf = ops_client.get("/relatorios/aging/exportar.pdf", {"group_by": "segment"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_customer_statement_with_items_payments_and_credit(fin_client, books):
    customer = books.customer(name="Teta Extratos")
    open_invoice = books.sent(customer, amount="500.00")
    books.pay(open_invoice, "200.00")
    payments.payment_record(by=books.user, customer=customer, amount="80.00",
                            received_at=dt.date(2026, 5, 5), method="boleto")  # fmt: skip
    page = text(fin_client.get(f"/clientes/{customer.pk}/extrato/"))
    assert "Extrato de Teta Extratos" in page
    assert 'id="statement-open">R$ 300,00<' in page
    assert 'id="statement-credit">R$ 80,00<' in page and 'id="statement-net">R$ 220,00<' in page
    assert open_invoice.number in section(page, "statement-items")
    assert "Boleto" in section(page, "statement-payments")
    assert 'id="statement-record-payment"' in page
    csv_text = text(fin_client.get(f"/clientes/{customer.pk}/extrato/exportar.csv"))
    assert open_invoice.number in csv_text and "Crédito disponível;80,00" in csv_text
    pdf = fin_client.get(f"/clientes/{customer.pk}/extrato/exportar.pdf")
    assert pdf.content.startswith(b"%PDF")
    empty = text(fin_client.get(f"/clientes/{books.customer().pk}/extrato/"))
    assert 'id="statement-no-items"' in empty and 'id="statement-no-payments"' in empty
    assert fin_client.get("/clientes/999999/extrato/").status_code == 404


def test_dso_page_numbers_months_and_errors(ops_client, books):
    empty = text(ops_client.get("/relatorios/dso/"))
    assert 'id="dso-undefined"' in empty and 'id="dso-empty"' in empty
    invoice = books.sent(amount="900.00")
    books.pay(invoice, "300.00")
    page = text(ops_client.get("/relatorios/dso/", {"start": "01/05/2026", "end": "30/05/2026"}))
    # 600 open at the end ÷ 900 sold × 30 days = 20 days
    assert 'id="dso-value">20,0 dias<' in page
    assert 'id="dso-receivables">R$ 600,00<' in page and 'id="dso-sales">R$ 900,00<' in page
    assert 'id="dso-chart"' in page and "maio/2026" in section(page, "dso-table")
    backwards = ops_client.get("/relatorios/dso/", {"start": "30/05/2026", "end": "01/05/2026"})
    assert backwards.status_code == 422 and 'id="id_end_error"' in text(backwards)
    csv_text = text(ops_client.get("/relatorios/dso/exportar.csv",
                                   {"start": "01/05/2026", "end": "30/05/2026"}))  # fmt: skip
    assert "01/05/2026;30/05/2026;30;600,00;900,00;20" in csv_text
    assert ops_client.get("/relatorios/dso/exportar.pdf").content.startswith(b"%PDF")


def test_list_pages_query_counts_do_not_grow_with_rows(fin_client, books,
                                                       django_assert_max_num_queries):  # fmt: skip
    customer = books.customer()
    for _ in range(4):
        invoice = books.sent(customer, amount="10.00")
        books.pay(invoice, "4.00")
    books.clock.advance(days=40)
    with django_assert_max_num_queries(8):
        assert fin_client.get("/pagamentos/").status_code == 200
    # + 6 for the expected loss: the forecast's facts (5 reads) and the active model, constant
    with django_assert_max_num_queries(8 + 6):
        assert fin_client.get("/cobranca/?cobrador=todos").status_code == 200
    with django_assert_max_num_queries(8):
        assert fin_client.get("/relatorios/aging/").status_code == 200
