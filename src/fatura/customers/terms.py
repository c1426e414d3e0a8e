"""Payment terms as data: the reads (list, one, the rule of a code, the choices of a form) and
the writes (create, change), each change with its event ("Payment Term Created" / "Payment
Term Changed" on the case ``payment-term:<code>``). The rules of a term (installments, due
dates on business days, the discount) are pure, in :mod:`fatura.core.terms`.

A term's code never changes (customers and invoices carry it); its label, installments and
discount may, and then only invoices issued afterwards follow them: an issued invoice keeps
its own installments (``receivables.InvoiceInstallment``) and discount. A term in use can be
deactivated (no longer offered) but not deleted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from fatura.core.compiled import CompiledRead
from fatura.core.errors import InvalidInput, NotFound, RuleViolation
from fatura.core.roles import Capability, require
from fatura.core.terms import TermRule, even_percents, term_errors
from fatura.core.users import User
from fatura.customers.models import PaymentTerm
from fatura.eventlog import activities
from fatura.eventlog.services import event_record

# --- reads --------------------------------------------------------------------------------


def payment_term_list(*, active: bool | None = None) -> QuerySet[PaymentTerm]:
    terms = PaymentTerm.objects.all()
    if active is not None:
        terms = terms.filter(active=active)
    return terms.order_by("code")


def payment_term_get(code: str) -> PaymentTerm:
    term = PaymentTerm.objects.filter(code=code).first()
    if term is None:
        raise NotFound(f"Condição de pagamento {code} não encontrada.")
    return term


def payment_term_rules() -> dict[str, TermRule]:
    """Every term's rule by code (one query): what issuing many invoices at once reads."""
    return {term.code: term.rule for term in PaymentTerm.objects.all()}


# Read for every invoice issued: its SQL is built once (core.compiled); the code is unique.
_ACTIVE: CompiledRead[PaymentTerm] = CompiledRead(
    lambda code: PaymentTerm.objects.filter(code=code, active=True).order_by()
)


def payment_term_rule(code: str, *, field: str = "payment_terms") -> TermRule:
    """The rule of an active term; an unknown or inactive code is a 422 on ``field``."""
    found = _ACTIVE.fetch(code)
    if not found:
        raise unknown_term(code, field=field)
    return found[0].rule


def unknown_term(code: str, *, field: str = "payment_terms") -> InvalidInput:
    known = ", ".join(payment_term_list(active=True).values_list("code", flat=True))
    return InvalidInput(
        f"Condição de pagamento desconhecida ou inativa: {code!r}. Use uma de: {known}.",
        errors=[{"field": field, "message": "desconhecida"}],
    )


def term_label(label: str) -> str:
    """A term's label in the reader's language: the terms the migration created have their
    English labels in the catalog; labels typed by users are shown as typed."""
    return gettext(label) if label else label


def payment_term_choices(*, include: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of the active terms, for a form's select; ``include``: a code to offer
    even if inactive (the one a customer already has)."""
    terms = PaymentTerm.objects.filter(active=True)
    if include:
        terms = terms | PaymentTerm.objects.filter(code=include)
    return [(t.code, f"{t.code} — {term_label(t.label)}") for t in terms.order_by("code")]


def payment_term_options() -> tuple[list[tuple[str, str]], dict[str, str]]:
    """A page's select and its table's labels in one query: (code, "CODE — label") of the
    active terms, and the label by code of every term."""
    rows = list(PaymentTerm.objects.order_by("code").values_list("code", "label", "active"))
    choices = [(code, f"{code} — {term_label(label)}") for code, label, active in rows if active]
    return choices, {code: term_label(label) for code, label, _active in rows}


def payment_term_label(code: str) -> str:
    """ "CODE — label" of a term in the reader's language (the code alone if unknown)."""
    label = PaymentTerm.objects.filter(code=code).values_list("label", flat=True).first()
    return f"{code} — {term_label(label)}" if label else code


def payment_term_labels() -> dict[str, str]:
    """Label by code of every term (active or not), in the reader's language."""
    return {
        code: term_label(label) for code, label in PaymentTerm.objects.values_list("code", "label")
    }


# --- writes -------------------------------------------------------------------------------


def _percent_text(value: Any) -> str:
    """A percent as stored: two places when it has no more ("100.00"), else four."""
    number = Decimal(str(value))
    two = number.quantize(Decimal("0.01"))
    return str(two if two == number else number.quantize(Decimal("0.0001")))


def _normalized(installments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"days": int(i["days"]), "percent": _percent_text(i["percent"])} for i in installments]


def installments_even(days: list[int]) -> list[dict[str, Any]]:
    """Installments at ``days`` with even percents, the last taking the rest (30/60/90)."""
    return [
        {"days": d, "percent": str(p)} for d, p in zip(days, even_percents(len(days)), strict=True)
    ]


def _check(
    *,
    code: str,
    label: str,
    installments: list[dict[str, Any]],
    discount_percent: Any,
    discount_days: Any,
) -> None:
    errors = term_errors(
        code=code,
        label=label,
        installments=installments,
        discount_percent=discount_percent,
        discount_days=discount_days,
    )
    if errors:
        shown = "; ".join(
            (f"parcela {e['line']}, " if "line" in e else "") + f"{e['field']}: {e['message']}"
            for e in errors
        )
        raise InvalidInput(f"Condição de pagamento inválida: {shown}.", errors=errors)


def _event(term: PaymentTerm, activity: str, by: User) -> None:
    event_record(
        case_id=f"payment-term:{term.code}",
        activity=activity,
        user=by,
        attributes={
            "payment_terms": term.code,
            "label": term.label,
            "installments": len(term.installments),
            "schedule": " / ".join(f"{i['days']}d {i['percent']}%" for i in term.installments),
            "discount_percent": Decimal(term.discount_percent),
            "discount_days": term.discount_days,
            "active": term.active,
        },
    )


def payment_term_create(
    *,
    by: User,
    code: str,
    label: str,
    installments: list[dict[str, Any]],
    discount_percent: Any = 0,
    discount_days: int = 0,
    active: bool = True,
) -> PaymentTerm:
    require(by, Capability.MANAGE_CUSTOMERS)
    code = (code or "").strip().upper()
    label = (label or "").strip()
    _check(
        code=code,
        label=label,
        installments=installments,
        discount_percent=discount_percent,
        discount_days=discount_days,
    )
    with transaction.atomic():
        if PaymentTerm.objects.filter(code=code).exists():
            raise RuleViolation(f"Já existe a condição de pagamento {code}.")
        term = PaymentTerm.objects.create(
            code=code,
            label=label,
            installments=_normalized(installments),
            discount_percent=Decimal(str(discount_percent)),
            discount_days=discount_days,
            active=active,
        )
        _event(term, activities.PAYMENT_TERM_CREATED, by)
    return term


def payment_term_update(
    *,
    by: User,
    code: str,
    label: str | None = None,
    installments: list[dict[str, Any]] | None = None,
    discount_percent: Any = None,
    discount_days: int | None = None,
    active: bool | None = None,
) -> PaymentTerm:
    """Change a term (``None`` = unchanged). Invoices already issued keep their installments."""
    require(by, Capability.MANAGE_CUSTOMERS)
    with transaction.atomic():
        term = PaymentTerm.objects.select_for_update().filter(code=code).first()
        if term is None:
            raise NotFound(f"Condição de pagamento {code} não encontrada.")
        new_label = term.label if label is None else label.strip()
        new_installments = term.installments if installments is None else installments
        percent = term.discount_percent if discount_percent is None else discount_percent
        days = term.discount_days if discount_days is None else discount_days
        _check(
            code=term.code,
            label=new_label,
            installments=new_installments,
            discount_percent=percent,
            discount_days=days,
        )
        term.label = new_label
        term.installments = _normalized(new_installments)
        term.discount_percent = Decimal(str(percent))
        term.discount_days = days
        if active is not None:
            term.active = active
        term.save()
        _event(term, activities.PAYMENT_TERM_CHANGED, by)
    return term
