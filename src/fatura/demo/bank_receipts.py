"""The demo year's receipts arrive the way a company's do: from the bank. A customer paying by
boleto, PIX or transfer (``Behaviour._record``) does not type a payment: its receipt waits for
the day's bank files, which the demo writes at the end of that business day — a return file
for the boletos (CNAB 400 for the first months, CNAB 240 once the company moved its cobrança to
the FEBRABAN layout), an OFX statement for the PIX (the txid in the memo) and the transfers
(the payer's CPF/CNPJ in the memo) — and imports through the real bank-file service and its
matching (``banking.bank_files``), so payments, late charges and events follow, each Payment
Received carrying its ``source`` and bank entry id. Cheques and cards are still typed.

What the matching cannot settle (a transfer paying several invoices, a partial one, one with
the early-payment discount) waits in the queue until Financeiro matches it by hand that
evening, once the day's files are in; the last business days' stay there, with a few entries
nobody could match (an unknown payer, an amount that fits two invoices), so the queue has
something to show.

Cheap by design: one file per kind and day, the instruments of the day issued in one insert
(``banking.instruments.instruments_issue``), nothing read per receipt but the day's invoices.
Its own random generator: the rest of the year draws the same numbers as without it."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Protocol

from django.db.models import Count

from fatura.banking import bank_files
from fatura.banking.config import boleto_account, demo_boleto_account
from fatura.banking.files import write
from fatura.banking.instruments import instruments_issue
from fatura.banking.models import InstrumentKind
from fatura.core import clock
from fatura.core.documents import cnpj_with_check_digits, cpf_with_check_digits, format_document
from fatura.core.terms import is_business_day
from fatura.customers.models import Customer
from fatura.receivables.domain import RECEIVABLE
from fatura.receivables.installments import installments_open
from fatura.receivables.models import Invoice
from fatura.receivables.payments import payment_post

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User


class Clocked(Protocol):
    """The replay's timeline as the bank receipts see it."""

    @property
    def now(self) -> dt.datetime: ...

    @property
    def end(self) -> dt.datetime: ...


class Simulation(Protocol):
    """What the bank receipts need of the receivables simulation (demo.receivables), declared
    here so this module does not import the simulation that drives it."""

    @property
    def first_day(self) -> dt.date: ...

    @property
    def today(self) -> dt.date: ...

    @property
    def tz(self) -> dt.tzinfo: ...

    @property
    def fin(self) -> User: ...

    @property
    def customers(self) -> dict[int, Customer]: ...

    @property
    def timeline(self) -> Clocked: ...

    def at(self, moment: dt.datetime, action: Callable[[], object]) -> None: ...


SEED = 20261207
BANK_METHODS = ("boleto", "pix", "transferencia")
CNAB240_FROM_MONTH = 3  # the demo year's 4th month: the cobrança moves from CNAB 400 to 240
IMPORT_AT = dt.time(17, 55)  # the day's files, after the bank's last credit
QUEUE_DAYS = 4  # entries credited in the last business days are still waiting in the queue
ACCOUNT = ("0341", "12345-6")  # the statement's BANKID and ACCTID
MONTHLY_FEE = Decimal("-89.90")
PEOPLE = ("MARIA APARECIDA SOUZA", "JOSE CARLOS PEREIRA", "ANA PAULA RODRIGUES")
STRANGERS = ("DISTRIBUIDORA ALFA LTDA", "CONSTRUTORA HORIZONTE SA")


@dataclass
class Receipt:
    """Money on its way from a customer: one bank entry."""

    customer: Customer
    method: str
    amount: Decimal
    allocations: list[tuple[str, Decimal]]  # what the customer meant to pay
    post_at: dt.datetime | None = None  # when it is posted (None: as soon as it is in)
    reference: str = ""  # the txid or nosso número, set when the day's files are written
    memo: str = ""
    payer: str = ""  # the CPF/CNPJ digits the bank shows ("" for none)


@dataclass
class Day:
    receipts: list[Receipt] = field(default_factory=list)
    extra: list[write.Transaction] = field(default_factory=list)  # the queue's showcase


class BankReceipts:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.rng = random.Random(SEED)
        self.days: dict[dt.date, Day] = {}
        # the configured account, else the demo's (a txid needs no account)
        self.boleto = boleto_account() or demo_boleto_account()
        self.fitid = itertools.count(1)
        self.sequence = itertools.count(1)
        self.cnab240_from = _month_start(sim.first_day, CNAB240_FROM_MONTH)
        self.queue_from = _business_days_back(sim.today, QUEUE_DAYS)
        self.waiting = 0  # entries of the last days left in the queue
        self.fee_months: set[tuple[int, int]] = set()
        self.invoices: dict[str, Invoice] = {}  # the day's invoices, read once
        last = _business_days_back(sim.today, 1)
        sim.at(dt.datetime.combine(last, dt.time(15, 40), tzinfo=sim.tz), self._showcase)

    # --- receipts on their way ------------------------------------------------------------------

    def receive(
        self,
        customer: Customer,
        allocations: list[tuple[str, Decimal]],
        amount: Decimal | None,
        method: str,
        at: dt.datetime | None = None,
    ) -> bool:
        """True when this payment comes in the day's bank files (the caller types nothing):
        boletos and PIX one entry per invoice (each has its own nosso número/txid), a transfer
        one entry for all. False for cheques and cards (and without a configured account)."""
        if method not in BANK_METHODS:
            return False
        total = amount or sum((a for _, a in allocations), Decimal(0))
        if method == "transferencia" or len(allocations) == 1:
            receipts = [Receipt(customer, method, total, list(allocations), at)]
        else:
            if amount is not None:
                return False
            receipts = [Receipt(customer, method, a, [(n, a)], at) for n, a in allocations]
        self._day(clock.localdate()).receipts.extend(receipts)
        return True

    def _day(self, day: dt.date) -> Day:
        """The day's files, imported at :data:`IMPORT_AT` (or at once when it is later)."""
        if day not in self.days:
            self.days[day] = Day()
            moment = dt.datetime.combine(day, IMPORT_AT, tzinfo=self.sim.tz)
            self.sim.at(min(moment, self.sim.timeline.end), partial(self._import, day))
        return self.days[day]

    # --- the day's files ----------------------------------------------------------------------

    def _import(self, day: dt.date) -> None:
        work = self.days.pop(day)
        receipts = self._payable(work.receipts)
        self._references(receipts)
        boletos = [r for r in receipts if r.method == "boleto"]
        statement = [r for r in receipts if r.method != "boleto"]
        if boletos:
            data, boletos = self._cnab(day, boletos)
            self._import_file(day, boletos, data, "retorno")
        transactions = [self._transaction(day, r) for r in statement] + work.extra
        if (day.year, day.month) not in self.fee_months:  # the account's monthly fee
            self.fee_months.add((day.year, day.month))
            transactions.append(
                write.Transaction(
                    self._fitid(day), day, MONTHLY_FEE, memo="TARIFA PACOTE DE SERVICOS"
                )
            )
        if transactions:
            data = write.ofx_statement(
                transactions, version=1 if day.month % 2 else 2, bank=ACCOUNT[0], account=ACCOUNT[1]
            )
            self._import_file(day, statement, data, "extrato")

    def _payable(self, receipts: list[Receipt]) -> list[Receipt]:
        """What still pays something when the files are written: a receipt whose invoices were
        settled meanwhile (a cheque, a credit note) is left out — the customer did not pay
        twice. Allocations are cut to the balances, in order (one read of the day's invoices)."""
        numbers = {n for r in receipts for n, _ in r.allocations}
        invoices = Invoice.objects.in_bulk(numbers, field_name="number")
        left = {
            number: (invoice.balance if invoice.status in RECEIVABLE else Decimal(0))
            for number, invoice in invoices.items()
        }
        kept: list[Receipt] = []
        for receipt in receipts:
            cut: list[tuple[str, Decimal]] = []
            for number, amount in receipt.allocations:
                take = min(amount, left[number])
                if take > 0:
                    cut.append((number, take))
                    left[number] -= take
            if cut:  # the amount is what the customer sent, even if the balance fell since
                receipt.allocations = cut
                kept.append(receipt)
        self.invoices = invoices
        return kept

    def _references(self, receipts: list[Receipt]) -> None:
        """The txid / nosso número of each boleto and PIX receipt: the installment it pays (the
        oldest open one), issued for the day in one go."""
        for kind, method, account in (
            (InstrumentKind.BOLETO, "boleto", self.boleto),
            (InstrumentKind.PIX, "pix", None),
        ):
            mine = [r for r in receipts if r.method == method]
            if not mine:
                continue
            invoices = [self.invoices[r.allocations[0][0]] for r in mine]
            wanted = [(invoice, _installment(invoice)) for invoice in invoices]
            issued = instruments_issue(wanted, kind=kind, account=account)
            for receipt, (invoice, number) in zip(mine, wanted, strict=True):
                receipt.reference = issued[(invoice.pk, number)]

    def _cnab(self, day: dt.date, receipts: list[Receipt]) -> tuple[bytes, list[Receipt]]:
        """The return file of the day's boletos (and the receipts in its order: a title paid
        twice the same day with the same amount is one entry of the sum)."""
        assert self.boleto is not None
        kept: dict[tuple[str, Decimal], Receipt] = {}
        for receipt in receipts:
            twin = kept.get((receipt.reference, receipt.amount))
            if twin is not None:
                twin.amount += receipt.amount
                twin.allocations = [(twin.allocations[0][0], twin.amount)]
            else:
                kept[(receipt.reference, receipt.amount)] = receipt
        width = 10 if day < self.cnab240_from else 15  # the seu número's positions
        titles = [
            write.Title(
                nosso_numero=r.reference,
                amount_paid=r.amount,
                credited_on=day,
                payer_document=r.customer.document,
                payer_name=_ascii(r.customer.name),
                document_number=r.allocations[0][0].replace("-", "")[-width:],
            )
            for r in kept.values()
        ]
        bank = self.boleto.bank
        if day < self.cnab240_from:
            text = write.cnab400_return(titles, bank=bank, generated=day)
        else:
            sequence = next(self.sequence)
            text = write.cnab240_return(titles, bank=bank, generated=day, sequence=sequence)
        return text.encode("ascii"), list(kept.values())

    def _transaction(self, day: dt.date, receipt: Receipt) -> write.Transaction:
        name = _ascii(receipt.customer.name)[:32]
        document = format_document(receipt.customer.document)
        if receipt.method == "pix":
            memo = f"PIX RECEBIDO {receipt.reference} {name}"
        else:
            memo = f"TED RECEBIDA {document} {name}"
        receipt.memo = memo
        return write.Transaction(self._fitid(day), day, receipt.amount, memo=memo)

    def _fitid(self, day: dt.date) -> str:
        return f"{day:%Y%m%d}{next(self.fitid):07d}"

    def _import_file(self, day: dt.date, receipts: list[Receipt], data: bytes, what: str) -> None:
        """Import through the bank-file service; then what was matched gets posted as the
        customer's payment would be, and what waits is matched by hand that evening (the last
        days' stay in the queue)."""
        fin = self.sim.fin
        suffix = "ofx" if what == "extrato" else "ret"
        name = f"{what}-{ACCOUNT[0]}-{day:%Y%m%d}.{suffix}"
        parsed = bank_files.bank_file_read(data)
        stored = bank_files.bank_file_store(by=fin, parsed=parsed, data=data, name=name)
        assert stored is not None, "each day's file is new"
        result = bank_files.bank_file_settle(by=fin, stored=stored)
        # the day's credits in file order, as the receipts were written (fees come last)
        credits = [e.entry_id for e in parsed.entries if e.kind == "payment"]
        for receipt, entry_id in zip(receipts, credits, strict=False):
            payment_id = result.payments.get(entry_id)
            if payment_id is not None:
                self._post(payment_id, receipt.post_at)
            elif entry_id in stored.ours and (day < self.queue_from or self.waiting >= 3):
                # Financeiro works the queue once the day's files are in (the same business
                # day: the payment keeps its date and its case reads in time order); at most
                # three of the last days' wait, besides the last day's showcase
                later = self.sim.timeline.now + dt.timedelta(minutes=self.rng.randint(10, 50))
                pk = stored.ours[entry_id]
                self.sim.at(later, partial(self._match_by_hand, pk, receipt))
            elif entry_id in stored.ours:
                self.waiting += 1

    def _match_by_hand(self, entry_pk: int, receipt: Receipt) -> None:
        """Financeiro reads the queue and matches what the customer meant (cut to the balances
        left); an entry paying nothing open any more is returned to the customer (ignored)."""
        numbers = [n for n, _ in receipt.allocations]
        balances = {
            number: (balance if status in RECEIVABLE else Decimal(0))
            for number, balance, status in Invoice.objects.filter(number__in=numbers).values_list(
                "number", "balance", "status"
            )
        }
        allocations = [
            {"invoice_number": n, "amount": min(a, balances.get(n, Decimal(0)))}
            for n, a in receipt.allocations
            if balances.get(n, Decimal(0)) > 0
        ]
        fin = self.sim.fin
        if not allocations:
            reason = "Pagamento em duplicidade: devolvido ao cliente."
            bank_files.bank_entry_ignore(by=fin, entry_id=entry_pk, reason=reason)
            return
        entry = bank_files.bank_entry_match(by=fin, entry_id=entry_pk, allocations=allocations)
        if entry.payment_id is not None:
            self._post(entry.payment_id, receipt.post_at)

    def _post(self, payment_id: int, at: dt.datetime | None) -> None:
        """Posted to the ledger as the customer's typed payment would have been: now, or at
        the moment the year drew for it."""
        if at is not None and at > self.sim.timeline.now:
            self.sim.at(at, partial(self._post, payment_id, None))
            return
        payment_post(by=self.sim.fin, payment_id=payment_id, posted_at=clock.localdate())

    # --- the last day: entries nobody can match -------------------------------------------------

    def _showcase(self) -> None:
        """Statement lines the matching cannot settle alone, for the queue to show: a transfer
        from a customer with two open invoices of that amount, PIX without txid from people who
        are not customers (paying an invoice's amount: it is suggested), a transfer from a
        company that is not a customer."""
        today = clock.localdate()
        extra = self._day(today).extra
        twins = (
            Invoice.objects.filter(status__in=RECEIVABLE, balance__gt=0)
            .values("customer_id", "balance")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .order_by("customer_id", "balance")[:2]
        )
        for row in twins:
            customer = self.sim.customers.get(row["customer_id"])
            if customer is None:
                continue
            document = format_document(customer.document)
            memo = f"TED RECEBIDA {document} {_ascii(customer.name)[:32]}"
            extra.append(write.Transaction(self._fitid(today), today, row["balance"], memo=memo))
        open_amounts = list(
            Invoice.objects.filter(status__in=RECEIVABLE, balance__gt=0)
            .order_by("due_date", "id")
            .values_list("balance", flat=True)[:2]
        )
        for person, amount in zip(PEOPLE, open_amounts, strict=False):
            memo = f"PIX RECEBIDO {person}"
            extra.append(write.Transaction(self._fitid(today), today, amount, memo=memo))
        for company in STRANGERS[: 1 + self.rng.randrange(2)]:
            base = f"{self.rng.randrange(10**7, 10**8):08d}0001"
            document = format_document(cnpj_with_check_digits(base))
            amount = Decimal(self.rng.randrange(50_000, 900_000)) / 100
            memo = f"TED RECEBIDA {document} {company}"
            extra.append(write.Transaction(self._fitid(today), today, amount, memo=memo))
        # a person paying from an account the bank names by CPF (not a customer's)
        cpf = format_document(cpf_with_check_digits(f"{self.rng.randrange(10**8, 10**9):09d}"))
        amount = Decimal(self.rng.randrange(10_000, 90_000)) / 100
        memo = f"PIX RECEBIDO {cpf} {PEOPLE[-1]}"
        extra.append(write.Transaction(self._fitid(today), today, amount, memo=memo))


def _installment(invoice: Invoice) -> int:
    """The installment a payment settles first (1 for an invoice with one due date)."""
    if invoice.installment_count <= 1:
        return 1
    opened = installments_open(invoice)
    return opened[0].number if opened else invoice.installment_count


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.upper().split())


def _month_start(first: dt.date, months: int) -> dt.date:
    year, month = divmod(first.month - 1 + months, 12)
    return dt.date(first.year + year, month + 1, 1)


def _business_days_back(day: dt.date, count: int) -> dt.date:
    """The ``count``-th business day before ``day``."""
    while count:
        day -= dt.timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day
