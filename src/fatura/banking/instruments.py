"""The PIX BR Code and the boleto of an invoice installment, and the provider of receivables'
payment-instructions port (registered in ``BankingConfig.ready``).

An instrument's identity (txid, nosso número) is stored the first time it is shown
(``PaymentInstrument``), so a bank file's entry finds its invoice; its amount and due date are
read from receivables each time (``receivables.payment_instructions.amounts_due``), so they
follow payments, credits, withholdings and late charges."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import IntegrityError, transaction

from fatura.banking import boleto as boleto_domain
from fatura.banking.boleto import BankAccount, Boleto, BoletoError
from fatura.banking.config import boleto_account, pix_account
from fatura.banking.models import InstrumentKind, PaymentInstrument
from fatura.banking.pix import StaticBrCode, txid_for
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.core.sequences import next_number, take_block
from fatura.receivables.models import Invoice
from fatura.receivables.payment_instructions import (
    AmountDue,
    PaymentInstruction,
    amounts_due,
)


@dataclass(frozen=True)
class Pix:
    payload: str
    txid: str
    amount: Decimal
    installment_number: int


def _due(invoice: Invoice, installment: int | None) -> AmountDue:
    dues = amounts_due(invoice)
    if not dues:
        raise RuleViolation(
            f"A fatura {invoice.number} não está em aberto para pagamento (situação "
            f"{invoice.get_status_display()}, saldo {invoice.balance})."
        )
    if installment is None:
        return dues[0]
    for due in dues:
        if due.installment_number == installment:
            return due
    raise InvalidInput(
        f"A fatura {invoice.number} não tem a parcela {installment} em aberto.",
        errors=[{"field": "installment", "message": "parcela inexistente ou paga"}],
    )


def instrument_issue(
    *, invoice: Invoice, installment_number: int, kind: str, account: BankAccount | None = None
) -> PaymentInstrument:
    """The invoice installment's PIX txid or boleto nosso número, stored the first time (a
    boleto takes the next number of its bank's sequence). Safe when two requests race."""
    bank_code = account.bank if account else ""
    found = PaymentInstrument.objects.filter(
        invoice=invoice, installment_number=installment_number, kind=kind, bank_code=bank_code
    ).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            if kind == InstrumentKind.PIX:
                reference = txid_for(invoice.number, installment_number)
            else:
                assert account is not None
                sequence = next_number(f"banking:nosso-numero:{account.bank}")
                reference = boleto_domain.nosso_numero(account, sequence)
            return PaymentInstrument.objects.create(
                invoice=invoice,
                installment_number=installment_number,
                kind=kind,
                bank_code=bank_code,
                reference=reference,
            )
    except IntegrityError:  # issued meanwhile by another request
        return PaymentInstrument.objects.get(
            invoice=invoice, installment_number=installment_number, kind=kind, bank_code=bank_code
        )


def instruments_issue(
    wanted: list[tuple[Invoice, int]], *, kind: str, account: BankAccount | None = None
) -> dict[tuple[int, int], str]:
    """The PIX txids or boleto nosso números of many invoice installments at once (the demo's
    bank files, a large remittance): (invoice id, installment) → reference. Those issued before
    are kept; the others are created in one insert, boletos numbered from one block of the
    bank's sequence (inside the caller's transaction, which holds the sequence's lock)."""
    bank_code = account.bank if account else ""
    keys = list(dict.fromkeys((invoice.pk, number) for invoice, number in wanted))
    if not keys:
        return {}
    found = {
        (invoice_id, number): reference
        for invoice_id, number, reference in PaymentInstrument.objects.filter(
            kind=kind, bank_code=bank_code, invoice_id__in={i for i, _ in keys}
        ).values_list("invoice_id", "installment_number", "reference")
    }
    numbers = {invoice.pk: invoice.number for invoice, _ in wanted}
    missing = [key for key in keys if key not in found]
    if not missing:
        return found
    with transaction.atomic():
        if kind == InstrumentKind.PIX:
            references = [txid_for(numbers[i], n) for i, n in missing]
        else:
            assert account is not None
            first = take_block(f"banking:nosso-numero:{account.bank}", len(missing))
            references = [
                boleto_domain.nosso_numero(account, first + k) for k in range(len(missing))
            ]
        PaymentInstrument.objects.bulk_create(
            PaymentInstrument(
                invoice_id=invoice_id,
                installment_number=number,
                kind=kind,
                bank_code=bank_code,
                reference=reference,
            )
            for (invoice_id, number), reference in zip(missing, references, strict=True)
        )
    found.update(zip(missing, references, strict=True))
    return found


def invoice_pix(invoice: Invoice, installment: int | None = None) -> Pix:
    account = pix_account()
    if account is None:
        raise RuleViolation("PIX não configurado: defina FATURA_PIX_KEY.")
    due = _due(invoice, installment)
    instrument = instrument_issue(
        invoice=invoice, installment_number=due.installment_number, kind=InstrumentKind.PIX
    )
    payload = StaticBrCode(
        key=account.key,
        merchant_name=account.merchant_name,
        merchant_city=account.merchant_city,
        txid=instrument.reference,
        amount=due.amount,
    ).payload()
    return Pix(
        payload=payload,
        txid=instrument.reference,
        amount=due.amount,
        installment_number=due.installment_number,
    )


def invoice_boleto(invoice: Invoice, installment: int | None = None) -> Boleto:
    account = boleto_account()
    if account is None:
        raise RuleViolation("Boleto não configurado: defina FATURA_BOLETO_BANK e a conta.")
    due = _due(invoice, installment)
    if due.due_date is None:
        raise RuleViolation(f"A fatura {invoice.number} não tem vencimento: sem boleto.")
    instrument = instrument_issue(
        invoice=invoice,
        installment_number=due.installment_number,
        kind=InstrumentKind.BOLETO,
        account=account,
    )
    try:
        slip = boleto_domain.boleto_build(account, instrument.reference, due.due_date, due.amount)
        return replace(slip, installment_number=due.installment_number)
    except BoletoError as exc:
        raise RuleViolation(f"Boleto da fatura {invoice.number}: {exc}.") from None


def payment_instructions_provider(invoice: Invoice) -> list[PaymentInstruction]:
    """Receivables' port: PIX and boleto of each open installment (what is configured)."""
    pix_on = pix_account() is not None
    boleto_on = boleto_account() is not None
    found: list[PaymentInstruction] = []
    for due in amounts_due(invoice):
        fields: dict[str, object] = {}
        if pix_on:
            pix = invoice_pix(invoice, due.installment_number)
            fields.update(pix_payload=pix.payload, pix_txid=pix.txid)
        if boleto_on and due.due_date is not None:
            slip = invoice_boleto(invoice, due.installment_number)
            fields.update(
                boleto_bank=slip.bank,
                boleto_nosso_numero=slip.nosso_numero,
                boleto_line=slip.digitable_line,
                boleto_barcode=slip.barcode,
            )
        if fields:
            found.append(
                PaymentInstruction(
                    installment_number=due.installment_number,
                    due_date=due.due_date,
                    amount=due.amount,
                    **fields,  # type: ignore[arg-type]
                )
            )
    return found
