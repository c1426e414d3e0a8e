"""GET /invoices/{number}/pix|boleto|boleto.pdf and the stored instrument identities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from fatura.banking.boleto import barcode_from_line
from fatura.banking.models import InstrumentKind, PaymentInstrument
from fatura.banking.pix import parse
from fatura.receivables.payment_instructions import payment_instructions

pytestmark = pytest.mark.django_db


def test_pix_of_an_open_invoice(books: Any, fin_api: Any) -> None:
    invoice = books.sent(amount="1500.00")
    response = fin_api.get(f"/invoices/{invoice.number}/pix")
    assert response.status_code == 200, response.content
    body = response.json()
    txid = invoice.number.replace("-", "") + "P1"
    assert body["txid"] == txid and body["amount"] == "1500.00" and body["installment"] == 1
    fields = parse(body["payload"])
    assert fields["54"] == "1500.00"
    assert fields["59"] == "FATURA SERVICOS DIGITAIS"
    assert fields["60"] == "SAO PAULO"
    assert fields["62"] == f"05{len(txid):02d}{txid}"
    stored = PaymentInstrument.objects.get(invoice=invoice, kind=InstrumentKind.PIX)
    assert stored.reference == txid and stored.bank_code == ""


def test_the_amount_follows_the_balance(books: Any, fin_api: Any) -> None:
    invoice = books.sent(amount="1000.00")
    books.pay(invoice, "400.00")
    body = fin_api.get(f"/invoices/{invoice.number}/pix").json()
    assert body["amount"] == "600.00"
    assert parse(body["payload"])["54"] == "600.00"
    boleto = fin_api.get(f"/invoices/{invoice.number}/boleto").json()
    assert boleto["amount"] == "600.00"
    assert boleto["barcode"][9:19] == "0000060000"
    # the identity stays: one PIX and one boleto row for the installment
    fin_api.get(f"/invoices/{invoice.number}/pix")
    fin_api.get(f"/invoices/{invoice.number}/boleto")
    assert PaymentInstrument.objects.filter(invoice=invoice).count() == 2


def test_boleto_of_an_open_invoice(books: Any, fin_api: Any) -> None:
    first = books.sent(amount="250.00")
    second = books.sent(amount="99.90")
    body = fin_api.get(f"/invoices/{first.number}/boleto").json()
    other = fin_api.get(f"/invoices/{second.number}/boleto").json()
    assert body["bank"] == "341"
    assert body["nosso_numero"] == "00000001" and other["nosso_numero"] == "00000002"
    assert body["due_date"] == first.due_date.isoformat()
    assert body["amount"] == "250.00"
    assert barcode_from_line(body["digitable_line"]) == body["barcode"]
    assert body["barcode"][19:22] == "109" and body["barcode"][22:30] == "00000001"
    stored = PaymentInstrument.objects.get(invoice=first, kind=InstrumentKind.BOLETO)
    assert (stored.bank_code, stored.reference) == ("341", "00000001")


def test_banco_do_brasil_convenio_7(books: Any, fin_api: Any, settings: Any) -> None:
    settings.FATURA_BOLETO_BANK = "001"
    settings.FATURA_BOLETO_AGENCY = "1234-5"
    settings.FATURA_BOLETO_ACCOUNT = "99999-9"
    settings.FATURA_BOLETO_CARTEIRA = "17"
    settings.FATURA_BOLETO_CONVENIO = "3432568"
    invoice = books.sent(amount="147.80")
    body = fin_api.get(f"/invoices/{invoice.number}/boleto").json()
    assert body["bank"] == "001"
    assert body["nosso_numero"] == "34325680000000001"
    assert body["barcode"][19:] == "000000" + "34325680000000001" + "17"


def test_boleto_pdf(books: Any, fin_api: Any) -> None:
    invoice = books.sent(amount="250.00")
    response = fin_api.get(f"/invoices/{invoice.number}/boleto.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_paid_or_draft_invoice_has_no_instrument(books: Any, fin_api: Any) -> None:
    paid = books.sent(amount="100.00")
    books.pay(paid, "100.00")
    draft = books.draft(amount="100.00")
    issued = PaymentInstrument.objects.count()  # the paid one's, shown in its e-mail
    for invoice in (paid, draft):
        for path in ("pix", "boleto", "boleto.pdf"):
            response = fin_api.get(f"/invoices/{invoice.number}/{path}")
            assert response.status_code == 409, (path, response.content)
            assert "detail" in response.json()
    assert PaymentInstrument.objects.count() == issued
    assert not PaymentInstrument.objects.filter(invoice=draft).exists()


def test_not_configured_is_409(books: Any, fin_api: Any, settings: Any) -> None:
    settings.FATURA_PIX_KEY = ""
    settings.FATURA_BOLETO_BANK = ""
    invoice = books.sent(amount="100.00")
    assert fin_api.get(f"/invoices/{invoice.number}/pix").status_code == 409
    assert fin_api.get(f"/invoices/{invoice.number}/boleto").status_code == 409
    assert payment_instructions(invoice) == []


def test_unknown_invoice_bad_installment_and_auth(books: Any, fin_api: Any) -> None:
    invoice = books.sent(amount="100.00")
    assert fin_api.get("/invoices/FAT-99999999/pix").status_code == 404
    response = fin_api.get(f"/invoices/{invoice.number}/pix", {"installment": 2})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "installment"
    assert fin_api.get(f"/invoices/{invoice.number}/boleto", {"installment": 0}).status_code == 422
    assert Client().get(f"/api/v1/invoices/{invoice.number}/pix").status_code == 401


def test_the_port_gives_receivables_both_instruments(books: Any) -> None:
    invoice = books.sent(amount="1234.56")
    [instruction] = payment_instructions(invoice)
    assert instruction.amount == Decimal("1234.56")
    assert instruction.pix_payload.startswith("000201")
    assert instruction.pix_qr_svg.startswith("<svg") and instruction.pix_qr_png[:4] == b"\x89PNG"
    assert instruction.boleto_line and instruction.boleto_bank == "341"
    assert instruction.due_date == invoice.due_date
    assert isinstance(instruction.due_date, dt.date)


def test_one_pix_and_one_boleto_per_open_installment(books: Any, fin_api: Any) -> None:
    # 1,000.00 in 30/60/90 issued 2026-03-02: 333.33 / 333.33 / 333.34, the first overdue
    invoice = books.sent(
        books.customer(), amount="1000.00", terms="30/60/90", issue_date=dt.date(2026, 3, 2)
    )
    dues = [(i.installment_number, i.amount) for i in payment_instructions(invoice)]
    assert dues == [(1, Decimal("333.33")), (2, Decimal("333.33")), (3, Decimal("333.34"))]
    first = fin_api.get(f"/invoices/{invoice.number}/pix").json()
    third = fin_api.get(f"/invoices/{invoice.number}/pix", {"installment": 3}).json()
    assert (first["installment"], first["amount"]) == (1, "333.33")
    assert third["txid"] == invoice.number.replace("-", "") + "P3"
    assert parse(third["payload"])["54"] == "333.34"
    boleto = fin_api.get(f"/invoices/{invoice.number}/boleto", {"installment": 2}).json()
    assert boleto["installment"] == 2 and boleto["amount"] == "333.33"
    books.pay(invoice, "400.00")  # the first installment and 66.67 of the second
    dues = [(i.installment_number, i.amount) for i in payment_instructions(books.reload(invoice))]
    assert dues == [(2, Decimal("266.66")), (3, Decimal("333.34"))]
    response = fin_api.get(f"/invoices/{invoice.number}/pix", {"installment": 1})
    assert response.status_code == 422


def test_late_charges_paying_today_are_in_the_amount(books: Any, fin_api: Any) -> None:
    from fatura.receivables.late_charges import due_if_paid_today

    late = books.customer(
        late_fine_percent=Decimal("2.00"), late_interest_monthly_percent=Decimal("1.00")
    )
    single = books.sent(late, amount="1000.00", issue_date=dt.date(2026, 3, 2))
    [due] = payment_instructions(single)
    assert due.amount == due_if_paid_today(single) > Decimal("1000.00")
    body = fin_api.get(f"/invoices/{single.number}/pix").json()
    assert body["amount"] == str(due.amount)
    thirds = books.sent(late, amount="1000.00", terms="30/60/90", issue_date=dt.date(2026, 3, 2))
    dues = payment_instructions(thirds)
    assert [d.installment_number for d in dues] == [1, 2, 3]
    assert dues[0].amount > Decimal("333.33")  # overdue: fine and interest on it
    assert dues[2].amount == Decimal("333.34")  # not due yet
    assert sum(d.amount for d in dues) == due_if_paid_today(thirds)


@pytest.mark.parametrize("path", ["pix", "boleto", "boleto.pdf"])
def test_each_instrument_endpoint_answers_401_and_404(books: Any, fin_api: Any, path: str) -> None:
    invoice = books.sent(amount="100.00")
    assert Client().get(f"/api/v1/invoices/{invoice.number}/{path}").status_code == 401
    response = fin_api.get(f"/invoices/FAT-99999999/{path}")
    assert response.status_code == 404 and "detail" in response.json()
    assert (
        Client()
        .post(
            "/api/v1/remittances",
            {"invoice_numbers": [invoice.number]},
            content_type="application/json",
        )
        .status_code
        == 401
    )


def test_the_worked_withholding_check_pix_and_boleto_carry_the_net(
    books: Any, fin_api: Any
) -> None:
    # issue 13: 10,000.00 to a customer withholding IRRF, PIS, COFINS and CSLL → 615.00
    # withheld, the customer pays 9,385.00 (above the approval threshold: approved first)
    customer = books.customer(withholdings=["irrf", "pis", "cofins", "csll"])
    invoice = books.sent(customer, amount="10000.00")
    assert invoice.amount_withheld == Decimal("615.00")
    pix = fin_api.get(f"/invoices/{invoice.number}/pix").json()
    assert pix["amount"] == "9385.00" and parse(pix["payload"])["54"] == "9385.00"
    boleto = fin_api.get(f"/invoices/{invoice.number}/boleto").json()
    assert boleto["amount"] == "9385.00" and boleto["barcode"][9:19] == "0000938500"
