"""Writes of banking: the CNAB 240 remittance of a set of invoices' boletos."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fatura.banking import cnab240
from fatura.banking.config import boleto_account
from fatura.banking.instruments import invoice_boleto
from fatura.banking.models import InstrumentKind, PaymentInstrument, Remittance
from fatura.core import clock
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.core.roles import Capability, require
from fatura.core.sequences import next_number
from fatura.core.users import User
from fatura.receivables.models import Invoice
from fatura.receivables.payment_instructions import amounts_due


def remittance_create(*, by: User, invoice_numbers: list[str]) -> Remittance:
    """A CNAB 240 remittance registering the boleto of every open installment of the invoices
    (in the order given, repeated numbers once). Refused whole: an unknown number → 422, an
    invoice not open for payment (closed, paid, draft, written off) → 409."""
    actor = require(by, Capability.MANAGE_INVOICES)
    account = boleto_account()
    if account is None:
        raise RuleViolation("Boleto não configurado: defina FATURA_BOLETO_BANK e a conta.")
    numbers = list(dict.fromkeys(invoice_numbers))
    if not numbers:
        raise InvalidInput(
            "Escolha ao menos uma fatura para a remessa.",
            errors=[{"field": "invoice_numbers", "message": "nenhuma fatura escolhida"}],
        )
    invoices = {
        i.number: i for i in Invoice.objects.select_related("customer").filter(number__in=numbers)
    }
    missing = [n for n in numbers if n not in invoices]
    if missing:
        raise InvalidInput(
            f"Faturas inexistentes: {', '.join(missing)}.",
            errors=[{"field": "invoice_numbers", "message": f"inexistente: {n}"} for n in missing],
        )
    closed = [n for n in numbers if not amounts_due(invoices[n])]
    if closed:
        raise RuleViolation(
            f"Faturas sem saldo em aberto (pagas, encerradas ou não emitidas): {', '.join(closed)}."
        )
    company = settings.FATURA_COMPANY
    with transaction.atomic():
        titles: list[cnab240.Title] = []
        instruments: list[PaymentInstrument] = []
        for number in numbers:
            invoice = invoices[number]
            for due in amounts_due(invoice):
                slip = invoice_boleto(invoice, due.installment_number)
                customer = invoice.customer
                titles.append(
                    cnab240.Title(
                        nosso_numero=slip.nosso_numero,
                        document_number=invoice.number,
                        due_date=slip.due_date,
                        amount=slip.amount,
                        issue_date=invoice.issue_date,
                        payer_name=customer.name,
                        payer_document=customer.document,
                    )
                )
                instruments.append(
                    PaymentInstrument.objects.get(
                        invoice=invoice,
                        installment_number=due.installment_number,
                        kind=InstrumentKind.BOLETO,
                        bank_code=account.bank,
                    )
                )
        sequence = next_number("banking:remessa")
        content = cnab240.remittance(
            account,
            cnab240.Company(name=company["name"], document=company["document"]),
            titles,
            sequence=sequence,
            at=timezone.localtime(clock.now()),
        )
        remittance = Remittance.objects.create(
            number=sequence, bank_code=account.bank, created_by=actor, content=content
        )
        remittance.instruments.set(instruments)
    return remittance
