"""Demo data: a year of a cloud/IT services company's billing, made through the real services.

``demo_load`` replays twelve months ending with the month before ``today``: the catalogue and its
price changes, customers (some arriving during the year), monthly consumption with growth and
seasonality, one volume file, and every past month finalized; the last month stays pending so
*Registrar cobrança* has work. Beside it, ``receivables`` runs the receivables year (a few
hundred more customers, direct and recurring invoices, payments, dunning, disputes…) and sends
every invoice on its way. A fixed seed makes the data the same on every run.

Each action runs at the moment it would have happened, in time order on one ``Timeline``, so the
event log reads like a real year (consumption recorded early in the next month, charges
finalized days later, paid weeks after). It loads only into a database without customers, so
running it twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from fatura.billing.selectors import pending_charges
from fatura.billing.services import charge_finalize
from fatura.catalog.models import BillingItem
from fatura.catalog.selectors import billing_item_list
from fatura.catalog.services import billing_item_create, price_version_add
from fatura.core import clock
from fatura.core.documents import cnpj_with_check_digits, cpf_with_check_digits
from fatura.core.money import to_money
from fatura.core.months import Month
from fatura.core.roles import FINANCEIRO, OPERACAO
from fatura.customers.models import Customer
from fatura.customers.services import customer_create
from fatura.demo.fiscal import FiscalYear
from fatura.demo.forecast import DemoForecast, forecast_prepare
from fatura.demo.receivables import SIZES, Receivables, Timeline
from fatura.receivables.delivery import deliveries_by_caller
from fatura.receivables.models import Invoice, InvoiceStatus, PaymentStatus
from fatura.usage.services import ConsumptionEntry, consumptions_record, volume_file_import

SEED = 20260412
MONTHS = 12

# (username, password, group or None, superuser) — demo only, never in production.
DEMO_USERS = (
    ("financeiro", "financeiro-demo", FINANCEIRO, False),
    ("operacao", "operacao-demo", OPERACAO, False),
    ("admin", "admin-demo", None, True),
    # a second Financeiro user approves invoices above the threshold; collectors by region
    ("gerente.marta", "marta-demo", FINANCEIRO, False),
    ("cobrador.ana", "ana-demo", FINANCEIRO, False),
    ("cobrador.bruno", "bruno-demo", FINANCEIRO, False),
    ("cobradora.carla", "carla-demo", OPERACAO, False),
    ("cobrador.diego", "diego-demo", OPERACAO, False),
)
# Their passwords above, hashed once with Django's PBKDF2 (1,000,000 iterations, a salt each):
# hashing them on every load took ~2 s of CPU. Signing in verifies them as any other hash
# (and re-hashes one whose iteration count the settings have since raised).
DEMO_PASSWORD_HASHES = {
    "financeiro": "pbkdf2_sha256$1000000$5hQvCLbyOAmb5AeNQirzgj$"
    "+hq8rZj8Pkp8e0Cta5yzv3Oc2I6wxhysdK/p8ZaJ+WY=",
    "operacao": "pbkdf2_sha256$1000000$1R3DzwSVBbMK99lkULJDbx$"
    "pwdW0KQfO8Zpq2WasATehdW8e4GIqPvCBccwodyZrkQ=",
    "admin": "pbkdf2_sha256$1000000$CBLvEiZXJ7ODWWdvaxQgBp$"
    "zDCu8prKNSfE177GOYVsJSV+wHh1ub0zSJy0+4nD/Qs=",
    "gerente.marta": "pbkdf2_sha256$1000000$fZHsMHyBdEHAyFWK4mJAAu$"
    "KZw7DBYKhzxFC0iPV/ckZCL/6FVK/6brnl14Ks5+/+o=",
    "cobrador.ana": "pbkdf2_sha256$1000000$raIyBsxEzh24qvxzKieaq8$"
    "MjiZp/36A2247AMrFxFKSh3HCoa3VSoVZ+/MkiGwOtA=",
    "cobrador.bruno": "pbkdf2_sha256$1000000$zKrQat9wQnoYkx4uWWJaWo$"
    "/0iEKilkx8wRu4dDf4gCbaNxi1xA0DgrLQBjUmkA0is=",
    "cobradora.carla": "pbkdf2_sha256$1000000$mcv7Gdo1Hq271ENr6cb7ph$"
    "Ieug1mizxBxFn8Wyz2MMWoKWPfh2Yorn9TxDaocDv6A=",
    "cobrador.diego": "pbkdf2_sha256$1000000$RWKsXQnzlUVlR6bSGDcfHc$"
    "+THWm/ByR6Txrl/ylQc0hc3RnUylVzOS4rAfg4+eLSo=",
}
DISCARD_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

RESULT_CENTERS = {
    "Sul": "CR-1001 Comercial Sul",
    "Sudeste": "CR-1002 Comercial Sudeste",
    "Nordeste": "CR-1003 Comercial Nordeste",
    "Centro-Oeste": "CR-1004 Comercial Centro-Oeste",
    "Norte": "CR-1005 Comercial Norte",
}

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    email: str
    segment: str
    region: str
    business_unit: str
    payment_terms: str
    size: float  # scales every quantity
    first: int  # index of the first month with consumption (arrived during the year)
    last: int  # index of the last one (left during the year)
    document_type: str  # CNPJ or CPF


@dataclass(frozen=True)
class DemoItem:
    name: str
    product: str
    unit: str
    price: str
    # (month index, new price); 0-11 are the demo year, 12 today's month, 13 the next one
    price_changes: tuple[tuple[int, str], ...]
    base: float  # monthly quantity of a customer of size 1
    step: str  # quantities are rounded to this
    share: float  # chance that a customer uses it
    growth: float  # per month
    seasonal: bool
    volume_file: str  # "": recorded by hand; "last-month": the last month comes in the
    # volume file; "new": first appears in the volume file (a "volumetria" item)


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def demo_customers() -> list[DemoCustomer]:
    return [
        DemoCustomer(
            **{k: row[k] for k in ("name", "email", "segment", "region", "business_unit")},
            payment_terms=row["payment_terms"],
            size=float(row["size"]),
            first=int(row["first"]),
            last=int(row["last"]),
            document_type=row["document_type"],
        )
        for row in _rows("demo-customers.csv")
    ]


def demo_items() -> list[DemoItem]:
    return [
        DemoItem(
            **{k: row[k] for k in ("name", "product", "unit", "price", "step", "volume_file")},
            price_changes=tuple(
                (int(when), price)
                for when, price in (change.split(":") for change in row["price_changes"].split())
            ),
            base=float(row["base"]),
            share=float(row["share"]),
            growth=float(row["growth"]),
            seasonal=row["seasonal"] == "yes",
        )
        for row in _rows("demo-items.csv")
    ]


# Calendar month -> factor for seasonal items, per segment.
SEASONS: dict[str, dict[int, float]] = {
    "Varejo": {1: 0.85, 11: 1.25, 12: 1.45},
    "Educação": {1: 0.55, 2: 1.2, 3: 1.15, 7: 0.7, 12: 0.75},
    "Indústria": {1: 0.85, 12: 0.8},
    "Saúde": {6: 1.1, 7: 1.12},
    "Serviços Financeiros": {12: 1.15},
    "Agronegócio": {3: 1.2, 4: 1.2, 9: 1.15},
}


@dataclass(frozen=True)
class DemoSummary:
    loaded: bool
    customers: int = 0
    items: int = 0
    invoices: int = 0
    pending_month: Month | None = None
    pending_charges: int = 0
    statuses: tuple[tuple[str, int], ...] = ()  # invoices by status
    payment_statuses: tuple[tuple[str, int], ...] = ()
    forecast: DemoForecast | None = None  # the payment model trained and its backtest

    @property
    def message(self) -> str:
        if not self.loaded:
            return "O banco já tem clientes: dados de demonstração não carregados (nada mudou)."
        assert self.pending_month is not None
        statuses = ", ".join(f"{InvoiceStatus(s).label} {n}" for s, n in self.statuses)
        payments = ", ".join(f"{PaymentStatus(s).label} {n}" for s, n in self.payment_statuses)
        return (
            f"Dados de demonstração carregados: {self.customers} clientes, {self.items} itens, "
            f"{self.invoices} faturas ({statuses}; pagamento: {payments}); "
            f"{self.pending_charges} cobranças pendentes em {self.pending_month.label_pt()}. "
            "Usuários: "
            + ", ".join(f"{u}/{p}" for u, p, _, _ in DEMO_USERS)
            + (f" {self.forecast.message}" if self.forecast else "")
        )


def demo_load(
    *,
    today: dt.date | None = None,
    size: str = "full",
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Load the demo year into an empty database (all or nothing); a no-op otherwise.
    ``size``: "full" (``make run``) or "small" (tests); ``progress`` gets a line per month."""
    if Customer.objects.exists():
        return DemoSummary(loaded=False)
    today = today or clock.today()
    if progress is not None:
        progress("Carregando um ano de dados de demonstração (alguns minutos)…")
    with transaction.atomic(), _demo_mail():
        users = _users_ensure()
        replay = _Replay(users, today, size=size, progress=progress)
        with _one_transaction(), deliveries_by_caller():
            summary = replay.run()
        if progress is not None:
            progress("Treinando o modelo de previsão de pagamentos e rodando um backtest…")
        with clock.override(replay.now):
            forecast = forecast_prepare(by=users["financeiro"], today=today)
        return replace(summary, forecast=forecast)


@contextmanager
def _demo_mail() -> Iterator[None]:
    """The year replayed is past and its customers are made up: its e-mails (thousands of
    invoices and reminders) go nowhere, neither to the addresses (which may exist) nor to the
    outbox. The services still build and "send" each one (a discarding backend, which never
    renders the invoice PDF); e-mails sent once the demo runs go where the settings say."""
    with override_settings(EMAIL_BACKEND=DISCARD_BACKEND):
        yield


@contextmanager
def _one_transaction() -> Iterator[None]:
    """The replayed year is one transaction, all or nothing: each service's ``atomic`` inside
    it would be a savepoint (two more round trips per call, ~37k statements), there only to
    undo a call that fails while the rest goes on, which the replay never does — any error
    ends the load and rolls the whole year back. So savepoints are off for the replay (what
    Django does on a backend without them): a failed call marks the transaction for rollback.
    Every service still runs its own checks, locks, writes and events, in the same order."""
    connection = transaction.get_connection()
    assert connection.in_atomic_block, "the replay runs inside demo_load's transaction"
    features = connection.features
    features.uses_savepoints = False  # an instance attribute over the class's True
    # SQLite's backend decides by its own method (savepoints in any atomic block): ~60k
    # SAVEPOINT/RELEASE statements on SQLite until this was seen
    connection._savepoint_allowed = lambda: False
    try:
        yield
    finally:
        del features.uses_savepoints
        del connection._savepoint_allowed


def _users_ensure() -> dict[str, User]:
    users: dict[str, User] = {}
    for username, password, group, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"is_staff": superuser, "is_superuser": superuser},
        )
        if created:
            user.password = DEMO_PASSWORD_HASHES.get(username) or make_password(password)
            user.save(update_fields=["password"])
            if group:
                user.groups.add(Group.objects.get_or_create(name=group)[0])
        users[username] = user
    return users


def _quantize(value: float, step: str) -> Decimal:
    quantum = Decimal(step)
    amount = Decimal(str(round(value, 6))).quantize(quantum, rounding=ROUND_HALF_UP)
    return max(amount, quantum)


class _Replay:
    """The demo year, action by action, in the order they would have happened."""

    def __init__(
        self,
        users: dict[str, User],
        today: dt.date,
        *,
        size: str = "full",
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.fin = users["financeiro"]
        self.ops = users["operacao"]
        self.size = size
        self.rng = random.Random(SEED)
        self.tz = timezone.get_current_timezone()
        self.now = min(clock.now(), self._at(today, 18, 0))
        self.timeline = Timeline(self.now)
        first = Month.of(today)
        for _ in range(MONTHS):
            first = first.previous()
        # the demo year, then today's month and the next one (for scheduled prices)
        self.calendar = [first]
        while len(self.calendar) < MONTHS + 2:
            self.calendar.append(self.calendar[-1].next())
        self.demo_customers = demo_customers()
        self.demo_items = demo_items()
        self.items: dict[str, BillingItem] = {}
        self.customers: dict[str, Customer] = {}
        self.uses = {c.name: self._items_of(c) for c in self.demo_customers}
        self.ticket = 400
        self.recorded_until: dict[str, dt.datetime] = {}  # customer -> its last consumption
        self.receivables = Receivables(
            users=users,
            timeline=self.timeline,
            first_day=self.calendar[0].first_day,
            today=today,
            size=SIZES[size],
            progress=progress,
        )

    def run(self) -> DemoSummary:
        """Put every step of the year on the timeline, then play it in time order."""
        at = self.timeline.at
        start = self.calendar[0].first_day
        moment = self._workday(start - dt.timedelta(days=12), 10)
        at(moment, partial(self._catalogue, moment))
        self.receivables.schedule()
        users = self.receivables.users
        FiscalYear(timeline=self.timeline, users=users, first_day=start, size=self.size).schedule()
        for index, month in enumerate(self.calendar[:MONTHS]):
            moment = self._workday(month.first_day - dt.timedelta(days=6), 15)
            at(moment, partial(self._price_changes, index, moment))
            moment = self._workday(month.first_day - dt.timedelta(days=5), 11)
            at(moment, partial(self._arrivals, index, moment))
            last = index == MONTHS - 1
            first_days = min(self._at(month.next().first_day, 7, 0), self.now)
            at(first_days, partial(self._consumption, index, month, file_month=last))
        today = self.calendar[MONTHS].first_day
        for index in range(MONTHS, MONTHS + 2):
            moment = self._workday(today + dt.timedelta(days=1), 9)
            at(moment, partial(self._price_changes, index, moment))
        self.timeline.run()
        pending = self.calendar[MONTHS - 1]
        invoices = Invoice.objects.all()
        return DemoSummary(
            loaded=True,
            customers=Customer.objects.count(),
            items=billing_item_list().count(),
            invoices=invoices.count(),
            pending_month=pending,
            pending_charges=len(pending_charges(pending)),
            statuses=_counts(invoices.values_list("status", flat=True)),
            payment_statuses=_counts(invoices.values_list("payment_status", flat=True)),
        )

    # --- moments ------------------------------------------------------------------------------

    def _at(self, day: dt.date, hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def _workday(self, day: dt.date, hour: int) -> dt.datetime:
        """A business-hours moment on ``day`` (or the Monday after a weekend), never after now."""
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return min(self._at(day, hour, self.rng.randrange(0, 60)), self.now)

    # --- master data --------------------------------------------------------------------------

    def _items_of(self, customer: DemoCustomer) -> list[tuple[DemoItem, float]]:
        """The items a customer uses, each with its own intensity."""
        return [
            (item, self.rng.uniform(0.5, 1.5))
            for item in self.demo_items
            if item.share >= 1 or self.rng.random() < item.share
        ]

    def _catalogue(self, moment: dt.datetime) -> None:
        with clock.override(moment):
            for item in self.demo_items:
                if item.volume_file == "new":
                    continue
                self.items[item.name] = billing_item_create(
                    by=self.fin,
                    name=item.name,
                    product=item.product,
                    unit=item.unit,
                    unit_price=item.price,
                    valid_from=self.calendar[0],
                )

    def _price_changes(self, index: int, moment: dt.datetime) -> None:
        with clock.override(moment):
            for item in self.demo_items:
                for when, price in item.price_changes:
                    if when == index:
                        price_version_add(
                            by=self.fin,
                            item=self.items[item.name],
                            unit_price=price,
                            valid_from=self.calendar[index],
                        )

    def _arrivals(self, index: int, moment: dt.datetime) -> None:
        with clock.override(moment):
            for demo in self.demo_customers:
                if demo.first == index:
                    self.customers[demo.name] = customer_create(
                        by=self.fin,
                        name=demo.name,
                        document=self._document(demo),
                        email=demo.email,
                        segment=demo.segment,
                        region=demo.region,
                        country="BR",
                        business_unit=demo.business_unit,
                        payment_terms=demo.payment_terms,
                    )
                    self.receivables.customer_created(self.customers[demo.name], usage=True)

    def _document(self, demo: DemoCustomer) -> str:
        if demo.document_type == "CPF":
            return cpf_with_check_digits(f"{self.rng.randrange(10**8, 10**9):09d}")
        return cnpj_with_check_digits(f"{self.rng.randrange(10**7, 10**8):08d}0001")

    # --- the month ----------------------------------------------------------------------------

    def _quantity(self, demo: DemoCustomer, item: DemoItem, weight: float, index: int) -> Decimal:
        month = self.calendar[index]
        season = SEASONS.get(demo.segment, {}).get(month.month, 1.0) if item.seasonal else 1.0
        trend = (1 + item.growth) ** (index - demo.first)
        noise = self.rng.uniform(0.92, 1.08)
        return _quantize(item.base * demo.size * weight * trend * season * noise, item.step)

    def _consumption(self, index: int, month: Month, *, file_month: bool) -> None:
        """Operação records the month's usage in the first business days of the next month;
        in the last month part of it arrives in a volume file instead. Each customer's entries
        and the file are put on the timeline at their moments; the month is finalized after."""
        day = month.next().first_day
        rows: list[str] = []
        last = self._at(day + dt.timedelta(days=4), 7, 0)
        for demo in self.demo_customers:
            if not demo.first <= index <= demo.last:
                continue
            customer = self.customers[demo.name]
            moment = self._workday(day + dt.timedelta(days=self.rng.randrange(0, 4)), 9)
            entries: list[tuple[dt.datetime, BillingItem, Decimal]] = []
            for item, weight in self.uses[demo.name]:
                if item.volume_file == "new" and not file_month:
                    continue
                quantity = self._quantity(demo, item, weight, index)
                if file_month and item.volume_file:
                    rows.append(_file_row(customer, month, item, quantity))
                    continue
                moment += dt.timedelta(minutes=self.rng.randrange(1, 9))
                entries.append((min(moment, self.now), self.items[item.name], quantity))
            if entries:
                self.recorded_until[demo.name] = entries[-1][0]
                last = max(last, entries[-1][0] + dt.timedelta(minutes=5))
                record = partial(self._record_usage, customer, month, entries)
                self.timeline.at(entries[0][0], record)
        if rows:
            moment = self._workday(day + dt.timedelta(days=2), 8)
            data = "\n".join((";".join(FILE_COLUMNS), *rows)).encode("utf-8")
            name = f"volumetria-{month}.csv"
            self.timeline.at(
                moment, partial(volume_file_import, by=self.fin, filename=name, data=data)
            )
        if not file_month:
            self.timeline.at(min(last, self.now), partial(self._finalize, month))

    def _record_usage(
        self,
        customer: Customer,
        month: Month,
        entries: list[tuple[dt.datetime, BillingItem, Decimal]],
    ) -> None:
        """Operações types the customer's month in one go (one lock, one insert)."""
        with clock.override(entries[0][0]):
            consumptions_record(
                by=self.ops,
                customer=customer,
                month=month,
                entries=[ConsumptionEntry(billing_item=i, quantity=q) for _, i, q in entries],
            )

    def _finalize(self, month: Month) -> None:
        """Financeiro closes each charge a few business days into the next month (after its
        last consumption was recorded); a few get a negotiated total (discount, commercial
        rounding or a credit). Each invoice then goes on to receivables."""
        day = month.next().first_day + dt.timedelta(days=4)
        for pending in pending_charges(month):
            moment = self._workday(day + dt.timedelta(days=self.rng.randrange(0, 4)), 10)
            moment = moment + dt.timedelta(hours=self.rng.randrange(0, 7))
            recorded = self.recorded_until.get(pending.customer.name)
            if recorded is not None:
                moment = max(moment, recorded + dt.timedelta(minutes=30))
            moment = min(moment, self.now)
            self.ticket += self.rng.randrange(1, 6)
            finalize = partial(
                charge_finalize,
                by=self.fin,
                customer=pending.customer,
                month=month,
                result_center=RESULT_CENTERS[pending.customer.region],
                ticket=f"CHG-{moment.year}-{self.ticket:04d}",
                total_charged=self._negotiated(pending.total_due),
                now=moment,
            )
            self.timeline.at(moment, partial(self._issue, finalize))

    def _issue(self, finalize: Callable[[], Invoice]) -> None:
        self.receivables.usage_invoice(finalize())

    def _negotiated(self, total_due: Decimal) -> Decimal:
        roll = self.rng.random()
        if roll < 0.03:
            return to_money(total_due * Decimal("0.95"))  # 5% discount
        if roll < 0.06:
            return to_money((total_due // 10) * 10)  # rounded down to R$ 10
        if roll < 0.08:
            return max(to_money(total_due - Decimal("150.00")), Decimal("0.00"))  # a credit
        return total_due


def _counts(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(values).items()))


FILE_COLUMNS = ("customer_document", "month", "item", "product", "unit", "unit_price", "quantity")


def _file_row(customer: Customer, month: Month, item: DemoItem, quantity: Decimal) -> str:
    """A volume-file line; items created by the file carry their price."""
    unit_price = item.price if item.volume_file == "new" else ""
    fields = (customer.document, str(month), item.name, item.product, item.unit, unit_price)
    return ";".join((*fields, str(quantity)))
