"""Where a DPS's data comes from: an invoice (``dps_from_invoice``) or an NFS-e recorded in
Fatura (``dps_from_nfse``), the company settings (``FATURA_COMPANY``, ``FATURA_NFSE``), the
customer, and the service types of the service orders. Reads only; the XML is ``fiscal.dps``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from fatura.core import clock
from fatura.core.documents import only_digits
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.core.money import parse_decimal
from fatura.customers.models import Customer
from fatura.fiscal.dps import (
    DpsData,
    Provider,
    Retention,
    Retentions,
    Signer,
    Taker,
    TaxTotals,
    declared_iss_rate,
    render_dps,
)
from fatura.fiscal.models import Nfse, ServiceOrder, ServiceType
from fatura.receivables.models import Invoice, InvoiceKind
from fatura.receivables.withholdings import withholdings_of

DEFAULT_DESCRIPTION = "Prestação de serviços"
EMAIL_MAX = 80  # TSEmail


@dataclass(frozen=True)
class ServiceTax:
    """The codes and ISS rate a DPS declares for its service."""

    national_code: str
    municipal_code: str
    iss_rate: Decimal
    description: str = ""


def _setting_decimal(name: str, text: str) -> Decimal:
    try:
        return parse_decimal(text)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name}: not a number: {text!r}") from None


def company_provider() -> Provider:
    company = settings.FATURA_COMPANY
    return Provider(
        document=only_digits(company["document"]),
        municipality=company["municipality_code"].strip(),
        municipal_registration=re.sub(r"[\s./-]", "", company["municipal_registration"]),
        simples_nacional=int(company["simples_nacional"]),
        simples_regime=company["simples_regime"].strip(),
        special_regime=int(company["special_regime"]),
    )


def default_service_tax() -> ServiceTax:
    nfse = settings.FATURA_NFSE
    return ServiceTax(
        national_code=nfse["national_code"].strip(),
        municipal_code=nfse["municipal_code"].strip(),
        iss_rate=_setting_decimal("FATURA_NFSE_ISS_RATE", nfse["iss_rate"]),
    )


def configured_tax_totals() -> TaxTotals:
    nfse = settings.FATURA_NFSE
    spheres = [part for part in nfse["approximate_taxes"].split(";") if part.strip()]
    simples = nfse["approximate_taxes_simples"].strip()
    if spheres:
        if len(spheres) != 3:
            raise ImproperlyConfigured("FATURA_NFSE_PTOTTRIB: give 'federal;state;municipal'")
        federal, state, municipal = (_setting_decimal("FATURA_NFSE_PTOTTRIB", p) for p in spheres)
        return TaxTotals(federal=federal, state=state, municipal=municipal)
    if simples:
        return TaxTotals(simples=_setting_decimal("FATURA_NFSE_PTOTTRIBSN", simples))
    return TaxTotals()


def taker_of(customer: Customer) -> Taker:
    email = customer.email.strip()
    return Taker(
        document=only_digits(customer.document),
        name=customer.name.strip(),
        email=email if len(email) <= EMAIL_MAX else "",  # optional: left out rather than cut
    )


def service_tax(orders: Sequence[ServiceOrder], *, single: bool = True) -> ServiceTax:
    """The service codes and ISS rate of the orders' service types (a registered
    :class:`ServiceType`, else the settings). A DPS has one service code: with ``single``,
    orders whose types differ in codes or rate are refused."""
    default = default_service_tax()
    names = {order.service_type for order in orders}
    types = {t.name: t for t in ServiceType.objects.filter(name__in=names)} if names else {}
    taxes: dict[str, ServiceTax] = {}
    for order in orders:
        kind = types.get(order.service_type)
        taxes[order.number] = (
            ServiceTax(kind.national_code, kind.municipal_code, kind.iss_rate, kind.description)
            if kind
            else default
        )
    distinct = {(t.national_code, t.municipal_code, t.iss_rate) for t in taxes.values()}
    if single and len(distinct) > 1:
        errors = [
            {
                "field": "service_type",
                "message": f"{number}: cTribNac {t.national_code}, cTribMun "
                f"{t.municipal_code or '-'}, alíquota {t.iss_rate}%",
            }
            for number, t in taxes.items()
        ]
        raise InvalidInput(
            "As ordens de serviço têm códigos de serviço ou alíquotas diferentes; uma DPS "
            "declara um só serviço: emita uma nota por código.",
            errors=errors,
        )
    if not taxes:
        return default
    first = next(iter(taxes.values()))
    description = next((t.description for t in taxes.values() if t.description.strip()), "")
    return ServiceTax(first.national_code, first.municipal_code, first.iss_rate, description)


def retentions_of(invoice: Invoice | None) -> Retentions:
    """What the invoice's customer withholds, as the DPS states it (nothing without one)."""
    if invoice is None:
        return Retentions()
    found = {w.tax: Retention(w.rate, w.amount) for w in withholdings_of(invoice)}
    return Retentions(
        iss="iss" in found,
        pis=found.get("pis"),
        cofins=found.get("cofins"),
        csll=found.get("csll"),
        irrf=found.get("irrf"),
        inss=found.get("inss"),
    )


def invoice_iss_rate(invoice: Invoice) -> Decimal:
    """The ISS rate of an invoice's service (receivables asks, to withhold ISS): its service
    orders' type when it has some, else the settings'."""
    orders = list(invoice.service_orders.only("number", "service_type")) if invoice.pk else []
    return service_tax(orders, single=False).iss_rate


def _series(series: str | None) -> str:
    return (series or settings.FATURA_NFSE["series"]).strip()


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def dps_from_invoice(
    invoice: Invoice,
    *,
    series: str | None = None,
    number: int | None = None,
    issued_at: dt.datetime | None = None,
) -> DpsData:
    """The DPS of an invoice: value charged, customer as taker, its service orders in
    xItemPed and the invoice's number in xPed (only beside them). The DPS number defaults to
    the invoice's gapless sequence; the issue time to now; the competence is the invoice's
    reference month."""
    if invoice.kind == InvoiceKind.PROFORMA:
        raise RuleViolation(f"A proforma {invoice.number} é um orçamento: não gera DPS.")
    orders = list(invoice.service_orders.order_by("number").only("number", "service_type"))
    tax = service_tax(orders)
    lines = "; ".join(line.item_name for line in invoice.lines.all() if line.item_name.strip())
    provider = company_provider()
    return DpsData(
        provider=provider,
        taker=taker_of(invoice.customer),
        series=_series(series),
        number=number if number is not None else invoice.sequence,
        issued_at=_local(issued_at or clock.now()),
        competence=invoice.month,
        national_code=tax.national_code,
        municipal_code=tax.municipal_code,
        description=invoice.description.strip() or lines or tax.description or DEFAULT_DESCRIPTION,
        service_value=invoice.total_charged,
        iss_rate=declared_iss_rate(provider, tax.iss_rate),
        # without orders xPed stays out: Fatura's NFS-e import would read it as an order number
        order_reference=invoice.number if orders else "",
        order_items=tuple(order.number for order in orders),
        environment=int(settings.FATURA_NFSE["environment"]),
        tax_totals=configured_tax_totals(),
        retentions=retentions_of(invoice),
    )


def _nfse_number(nfse: Nfse) -> int:
    digits = nfse.number.strip()
    if not digits.isdigit() or int(digits) == 0:
        raise InvalidInput(
            f"O número da NFS-e {nfse.number!r} não serve de número de DPS (só dígitos, "
            "maior que zero): informe o número da DPS.",
            errors=[{"field": "nDPS", "message": "informe o número"}],
        )
    return int(digits)


def dps_from_nfse(nfse: Nfse, *, series: str | None = None, number: int | None = None) -> DpsData:
    """The DPS of an NFS-e recorded in Fatura: its value, service code and rate (else its
    orders' service type, else the settings), issue time and customer; the invoice's number
    (else the first order's) in xPed and the covered orders in xItemPed."""
    coverages = nfse.coverages.select_related("service_order").order_by("service_order__number")
    orders = [coverage.service_order for coverage in coverages]
    tax = service_tax(orders, single=not nfse.service_code)
    rate = nfse.iss_rate if nfse.iss_rate is not None else tax.iss_rate
    invoice: Any = nfse.invoice if nfse.invoice_id else None
    reference = invoice.number if invoice else (orders[0].number if orders else "")
    issued_at = _local(nfse.issued_at)
    provider = company_provider()
    return DpsData(
        provider=provider,
        taker=taker_of(nfse.customer),
        series=_series(series),
        number=number if number is not None else _nfse_number(nfse),
        issued_at=issued_at,
        competence=issued_at.date(),
        national_code=nfse.service_code or tax.national_code,
        municipal_code=tax.municipal_code,
        description=tax.description
        or (invoice.description.strip() if invoice else "")
        or DEFAULT_DESCRIPTION,
        service_value=nfse.value,
        iss_rate=declared_iss_rate(provider, rate),
        order_reference=reference,
        order_items=tuple(order.number for order in orders),
        environment=int(settings.FATURA_NFSE["environment"]),
        tax_totals=configured_tax_totals(),
        retentions=retentions_of(invoice),
    )


def invoice_dps_xml(invoice: Invoice, *, signer: Signer | None = None, **options: Any) -> bytes:
    """The invoice's DPS XML, validated against the 1.01 XSD (``options``: series, number,
    issued_at of :func:`dps_from_invoice`)."""
    return render_dps(dps_from_invoice(invoice, **options), signer=signer)


def nfse_dps_xml(nfse: Nfse, *, signer: Signer | None = None, **options: Any) -> bytes:
    """The NFS-e's DPS XML, validated against the 1.01 XSD (for GET /nfse/{number}/dps.xml)."""
    return render_dps(dps_from_nfse(nfse, **options), signer=signer)
