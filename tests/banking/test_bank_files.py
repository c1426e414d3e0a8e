"""Bank files in, payments out, through the service and the API: match by nosso número, txid,
amount + CPF/CNPJ; unmatched queue (by hand, ignore); the same file or entry again changes
nothing; every 4xx with its shape."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fatura.banking import bank_files
from fatura.banking.files.write import (
    Title,
    Transaction,
    cnab240_return,
    cnab400_return,
    ofx_statement,
)
from fatura.banking.models import BankEntry, BankFile, PaymentInstrument
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.eventlog.models import Event
from fatura.receivables import installments
from fatura.receivables.models import Invoice, Payment
from tests.receivables.builders import Books
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]

CREDIT = dt.date(2026, 5, 6)


@pytest.fixture
def books(fin_user: Any, frozen_clock: Any, settings: Any) -> Books:
    from tests.factories import financeiro

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FATURA_APPROVAL_THRESHOLD = "10000.00"
    return Books(fin_user, financeiro("aprovador"), frozen_clock)


def boleto(invoice: Invoice, reference: str, bank: str = "001") -> str:
    PaymentInstrument.objects.create(
        invoice=invoice, kind="boleto", bank_code=bank, reference=reference
    )
    return reference


def pix(invoice: Invoice) -> str:
    txid = invoice.number.replace("-", "") + "P1"
    PaymentInstrument.objects.create(invoice=invoice, kind="pix", reference=txid)
    return txid


def load(books: Books, data: bytes | str) -> bank_files.ImportResult:
    raw = data.encode("latin-1") if isinstance(data, str) else data
    return bank_files.bank_file_import(by=books.user, data=raw, name="retorno.txt")


def test_cnab240_return_settles_invoices_by_nosso_numero(books: Books) -> None:
    paid = books.sent(amount="1000.00")
    partly = books.sent(amount="800.00")
    nn1, nn2 = boleto(paid, "12345670000000001"), boleto(partly, "12345670000000002")
    text = cnab240_return(
        [
            Title(nn1, Decimal("1000.00"), CREDIT, fee=Decimal("2.50")),
            Title(nn2, Decimal("300.00"), CREDIT, nominal=Decimal("800.00")),  # partial
            Title(nn2, Decimal("0"), CREDIT, movement="28", fee=Decimal("2.50")),  # tarifa
            Title("99999999999999999", Decimal("0"), CREDIT, movement="02"),  # entrada
        ],
        generated=CREDIT,
    )
    result = load(books, text)
    assert (result.kind, result.entries, result.matched, result.unmatched, result.duplicates) == (
        "cnab240",
        4,
        2,
        0,
        0,
    )
    assert books.reload(paid).status == "closed"
    assert books.reload(partly).balance == Decimal("500.00")
    entry = BankEntry.objects.get(nosso_numero=nn1, kind="payment")
    payment = entry.payment
    assert payment is not None
    assert (payment.method, payment.received_at, payment.amount) == (
        "boleto",
        CREDIT,
        Decimal("1000.00"),
    )
    assert payment.idempotency_key == entry.entry_id
    received = Event.objects.get(case_id=paid.number, activity="Payment Received")
    assert received.attributes["source"] == "cnab240"
    assert received.attributes["bank_entry_id"] == entry.entry_id
    ignored = BankEntry.objects.filter(status="ignored").order_by("kind")
    assert [e.kind for e in ignored] == ["fee", "registration"]
    assert all(e.reason for e in ignored)
    assert Event.objects.filter(activity="Bank File Imported").count() == 1

    again = load(books, text)  # the same file: nothing changes
    assert (again.file, again.matched, again.duplicates) == (None, 0, 4)
    # the same entries in another file (another date of generation): duplicates too
    other = cnab240_return(
        [Title(nn1, Decimal("1000.00"), CREDIT, fee=Decimal("2.50"))], generated=CREDIT, sequence=2
    )
    assert (load(books, other).duplicates, Payment.objects.count()) == (1, 2)


def test_cnab400_itau_settles_by_nosso_numero(
    books: Books,
) -> None:
    invoice = books.sent(amount="200.00")
    boleto(invoice, "00001234", bank="341")
    text = cnab400_return(
        [Title("00001234", Decimal("200.00"), CREDIT, fee=Decimal("1.90"))],
        bank="341",
        generated=CREDIT,
    )
    result = load(books, text)
    assert (result.kind, result.matched) == ("cnab400", 1)
    assert books.reload(invoice).status == "closed"
    assert Payment.objects.get().method == "boleto"


def test_ofx_pix_txid_in_the_memo_and_amount_plus_document(books: Books) -> None:
    by_txid = books.sent(amount="150.00")
    txid = pix(by_txid)
    customer = books.customer()
    by_document = books.sent(customer, amount="420.00")
    books.sent(customer, amount="99.00")
    data = ofx_statement(
        [
            Transaction("F1", CREDIT, Decimal("150.00"), memo=f"PIX RECEBIDO {txid} Conceição"),
            Transaction(
                "F2", CREDIT, Decimal("420.00"), memo=f"TED RECEBIDA {customer.document} João"
            ),
            Transaction("F3", CREDIT, Decimal("-30.00"), memo="TARIFA"),
        ],
        encoding="cp1252",
    )
    result = load(books, data)
    assert (result.kind, result.entries, result.matched, result.unmatched) == ("ofx", 3, 2, 0)
    assert books.reload(by_txid).status == "closed"
    assert books.reload(by_document).status == "closed"
    pix_entry = BankEntry.objects.get(entry_id__endswith=":F1")
    assert (pix_entry.txid, pix_entry.matched_by_rule) == (txid, "txid")
    assert pix_entry.payment.method == "pix"
    assert pix_entry.memo.endswith("Conceição")
    assert BankEntry.objects.get(entry_id__endswith=":F2").matched_by_rule == "amount_document"
    received = Event.objects.get(case_id=by_txid.number, activity="Payment Received")
    assert received.attributes["source"] == "ofx"


def test_amount_of_the_oldest_open_installment_matches_by_document(books: Books) -> None:
    customer = books.customer()
    invoice = books.sent(customer, amount="900.00", terms="30/60/90")
    first = installments.schedules([invoice.pk])[invoice.pk][0].amount  # 299.99
    data = ofx_statement([Transaction("I1", CREDIT, first, memo=f"TED {customer.document}")])
    result = load(books, data)
    assert result.matched == 1
    assert books.reload(invoice).balance == Decimal("900.00") - first
    assert BankEntry.objects.get().matched_by_rule == "amount_document"


def test_unmatched_entries_wait_with_suggestions_then_are_matched_or_ignored(books: Books) -> None:
    customer = books.customer()
    first = books.sent(customer, amount="100.00")
    second = books.sent(customer, amount="100.00")
    data = ofx_statement(
        [
            Transaction("U1", CREDIT, Decimal("100.00"), memo=f"PIX {customer.document}"),
            Transaction("U2", CREDIT, Decimal("55.00"), memo="DEPOSITO"),
        ],
        version=2,
        encoding="utf-8",
    )
    result = load(books, data)
    assert (result.matched, result.unmatched) == (0, 2)
    ambiguous = BankEntry.objects.get(entry_id__endswith=":U1")
    assert ambiguous.status == "unmatched" and "Mais de uma fatura" in ambiguous.reason
    assert sorted(ambiguous.suggestions) == sorted([first.number, second.number])

    bank_files.bank_entry_match(
        by=books.user,
        entry_id=ambiguous.pk,
        allocations=[{"invoice_number": second.number, "amount": "100.00"}],
    )
    ambiguous.refresh_from_db()
    assert (ambiguous.status, ambiguous.matched_by_rule) == ("matched", "manual")
    assert books.reload(second).status == "closed" and books.reload(first).balance == 100
    with pytest.raises(RuleViolation):
        bank_files.bank_entry_ignore(by=books.user, entry_id=ambiguous.pk, reason="x")

    stray = BankEntry.objects.get(entry_id__endswith=":U2")
    with pytest.raises(InvalidInput):
        bank_files.bank_entry_ignore(by=books.user, entry_id=stray.pk, reason="  ")
    bank_files.bank_entry_ignore(
        by=books.user, entry_id=stray.pk, reason="Transferência entre contas"
    )
    stray.refresh_from_db()
    assert (stray.status, stray.reason) == ("ignored", "Transferência entre contas")
    assert Event.objects.filter(activity="Bank Entry Ignored").count() == 1
    # the statement again: both are duplicates, nothing reopens
    assert load(books, data).duplicates == 2


def test_an_entry_for_a_paid_invoice_stays_unmatched(books: Books) -> None:
    invoice = books.sent(amount="100.00")
    nn = boleto(invoice, "12345670000000077")
    books.pay(invoice, "100.00")
    result = load(books, cnab240_return([Title(nn, Decimal("100.00"), CREDIT)], generated=CREDIT))
    assert (result.matched, result.unmatched) == (0, 1)
    entry = BankEntry.objects.get()
    assert entry.suggestions == [invoice.number] and "não está em aberto" in entry.reason


def test_a_bad_file_imports_nothing(books: Books) -> None:
    text = cnab240_return([Title("1", Decimal("1.00"), CREDIT)], generated=CREDIT)
    cut = "\r\n".join(text.split("\r\n")[:-2])  # no file trailer
    with pytest.raises(InvalidInput) as caught:
        load(books, cut)
    assert caught.value.errors[0]["line"] == 5
    assert (BankFile.objects.count(), BankEntry.objects.count()) == (0, 0)


# --- API ---------------------------------------------------------------------------------------


def _upload(api: Any, data: bytes) -> Any:
    return api.upload("/bank-files", {"file": SimpleUploadedFile("extrato.ofx", data)})


def test_api_import_list_match_ignore(books: Books, fin_api: Any) -> None:
    invoice = books.sent(amount="70.00")
    data = ofx_statement(
        [
            Transaction("A1", CREDIT, Decimal("70.00"), memo="DEPOSITO"),
            Transaction("A2", CREDIT, Decimal("5.00"), memo="DEVOLUCAO"),
        ]
    )
    response = _upload(fin_api, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("kind", "entries", "matched", "unmatched", "duplicates")} == {
        "kind": "ofx",
        "entries": 2,
        "matched": 0,
        "unmatched": 2,
        "duplicates": 0,
    }
    again = _upload(fin_api, data)
    assert again.status_code == 200 and again.json()["duplicates"] == 2

    listed = fin_api.get("/bank-entries", {"status": "unmatched"})
    assert listed.status_code == 200 and listed["X-Total-Count"] == "2"
    rows = {row["entry_id"].rsplit(":", 1)[1]: row for row in listed.json()}
    assert rows["A1"]["suggestions"] == [invoice.number]
    assert rows["A1"]["amount"] == "70.00" and rows["A1"]["source"] == "ofx"

    matched = fin_api.post(
        f"/bank-entries/{rows['A1']['id']}/match",
        {"allocations": [{"invoice_number": invoice.number, "amount": "70.00"}]},
    )
    assert matched.status_code == 200, matched.content
    assert matched.json()["status"] == "matched" and matched.json()["payment_id"]
    conflict = fin_api.post(f"/bank-entries/{rows['A1']['id']}/ignore", {"reason": "x"})
    assert conflict.status_code == 409
    ignored = fin_api.post(f"/bank-entries/{rows['A2']['id']}/ignore", {"reason": "Devolução"})
    assert ignored.status_code == 200 and ignored.json()["status"] == "ignored"
    assert fin_api.get("/bank-entries", {"status": "matched"}).json()[0]["rule"] == "manual"


def test_api_errors(books: Books, fin_api: Any, ops_api: Any) -> None:
    bad = _upload(fin_api, b"OFXHEADER:100\n<OFX><STMTTRN><TRNAMT>1<FITID>1</STMTTRN></OFX>")
    assert bad.status_code == 422
    assert bad.json()["errors"][0] | {"message": ""} == {
        "line": 2,
        "field": "DTPOSTED",
        "message": "",
    }
    assert _upload(ops_api, b"x").status_code == 403
    assert fin_api.get("/bank-entries", {"status": "lost"}).status_code == 422
    assert fin_api.post("/bank-entries/999/ignore", {"reason": "x"}).status_code == 404
    assert fin_api.post("/bank-entries/999/match", {"allocations": []}).status_code == 422
    assert ops_api.post("/bank-entries/999/ignore", {"reason": "x"}).status_code in (403, 404)
    _upload(fin_api, ofx_statement([Transaction("E1", CREDIT, Decimal("5.00"))]))
    entry = BankEntry.objects.get()
    unknown = fin_api.post(
        f"/bank-entries/{entry.pk}/match",
        {"allocations": [{"invoice_number": "FAT-09999999", "amount": "5.00"}]},
    )
    assert unknown.status_code == 404
    assert fin_api.post(f"/bank-entries/{entry.pk}/ignore", {"reason": ""}).status_code == 422
