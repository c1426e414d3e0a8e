from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from fatura.core.documents import document_kind, only_digits
from fatura.core.errors import InvalidInput, NotFound, RuleViolation
from fatura.core.money import parse_decimal
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.core.withholdings import normalized
from fatura.customers.models import DEFAULT_TERMS, Customer, DeliveryPolicy, PaymentTerm
from fatura.eventlog import activities
from fatura.eventlog.services import event_record


def customer_case_id(customer: Customer) -> str:
    return f"customer:{customer.document}"


def _delivery(delivery: str | None, email: str, errors: list[dict[str, Any]]) -> str:
    """The delivery policy asked for, or the default: automatic e-mail when there is one."""
    if delivery is None or delivery == "":
        return DeliveryPolicy.EMAIL if email else DeliveryPolicy.MANUAL
    if delivery not in DeliveryPolicy.values:
        errors.append(
            {"field": "delivery", "message": "Envio da fatura inválido; use email ou manual."}
        )
    elif delivery == DeliveryPolicy.EMAIL and not email:
        errors.append(
            {
                "field": "delivery",
                "message": "Envio automático por e-mail exige o e-mail do cliente.",
            }
        )
    return delivery


# Late charges (docs/decisions/0024): each percent's upper bound; None = the settings' default.
LATE_RATES = {"late_fine_percent": Decimal(20), "late_interest_monthly_percent": Decimal(10)}
_LATE_NAMES = {"late_fine_percent": "multa", "late_interest_monthly_percent": "juros de mora"}


def _late_rates(values: dict[str, Any]) -> dict[str, Decimal | None]:
    """The late-charge percents given ("2", 2, "1,5"; None or "": the settings' default), each
    from 0 to its bound with at most 2 places; every bad one at once (422)."""
    rates: dict[str, Decimal | None] = {}
    errors: list[dict[str, Any]] = []
    for field, value in values.items():
        if value is None or value == "":
            rates[field] = None
            continue
        try:
            rate = parse_decimal(value)
        except InvalidOperation:
            rate = None
        bound = LATE_RATES[field]
        if rate is None or not 0 <= rate <= bound or rate != rate.quantize(Decimal("0.01")):
            errors.append(
                {
                    "field": field,
                    "message": f"{_LATE_NAMES[field].capitalize()}: de 0 a {bound}%, "
                    f"até 2 casas (recebido {value!r}).",
                }
            )
        else:
            rates[field] = rate.quantize(Decimal("0.01"))
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), errors=errors)
    return rates


def withholdings_validated(value: Any) -> list[str]:
    """The taxes a customer withholds, as codes in the vocabulary's order (422 naming an
    unknown one)."""
    try:
        return normalized(list(value))
    except (TypeError, ValueError) as exc:
        message = str(exc) if isinstance(exc, ValueError) else "Informe uma lista de retenções."
        errors = [{"field": "withholdings", "message": message}]
        raise InvalidInput(message, errors=errors) from None


def _validated(
    *,
    name: str,
    document: str,
    email: str,
    country: str,
    payment_terms: str,
    delivery: str | None = None,
) -> tuple[str, str, str]:
    """CPF/CNPJ digits, their kind and the delivery policy; every bad field at once (422)."""
    errors: list[dict[str, Any]] = []
    kind = ""
    if not name.strip():
        errors.append({"field": "name", "message": "Informe o nome do cliente."})
    try:
        kind = document_kind(document)
    except ValueError as exc:
        errors.append({"field": "document", "message": str(exc)})
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append({"field": "email", "message": f"E-mail inválido: {email}"})
    if len(country) != 2 or not country.isalpha():
        errors.append({"field": "country", "message": "País: código ISO de 2 letras (ex.: BR)."})
    if not PaymentTerm.objects.filter(code=payment_terms, active=True).exists():
        allowed = ", ".join(
            PaymentTerm.objects.filter(active=True).order_by("code").values_list("code", flat=True)
        )
        errors.append(
            {"field": "payment_terms", "message": f"Condição de pagamento inválida; use {allowed}."}
        )
    policy = _delivery(delivery, email, errors)
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), errors=errors)
    return only_digits(document), kind, policy


def customer_create(
    *,
    by: User,
    name: str,
    document: str,
    email: str = "",
    segment: str = "",
    region: str = "",
    country: str = "BR",
    business_unit: str = "",
    payment_terms: str = DEFAULT_TERMS,
    delivery: str | None = None,
    late_fine_percent: Any = None,
    late_interest_monthly_percent: Any = None,
    withholdings: list[str] | None = None,
) -> Customer:
    """A new customer; ``delivery`` defaults to "email" when there is an e-mail, else "manual";
    the late-charge percents (0–20 % fine, 0–10 % a month) to the settings' defaults."""
    require(by, Capability.MANAGE_CUSTOMERS)
    taxes = withholdings_validated(withholdings or [])
    rates = _late_rates(
        {
            "late_fine_percent": late_fine_percent,
            "late_interest_monthly_percent": late_interest_monthly_percent,
        }
    )
    digits, kind, delivery = _validated(
        name=name,
        document=document,
        email=email,
        country=country,
        payment_terms=payment_terms,
        delivery=delivery,
    )
    with transaction.atomic():
        if Customer.objects.filter(document=digits).exists():
            raise RuleViolation(f"Já existe um cliente com o CPF/CNPJ {document}.")
        customer = Customer.objects.create(
            name=name.strip(),
            document=digits,
            document_type=kind,
            email=email,
            segment=segment,
            region=region,
            country=country.upper(),
            business_unit=business_unit,
            payment_terms=payment_terms,
            delivery=delivery,
            withholdings=taxes,
            **rates,
        )
        event_record(
            case_id=customer_case_id(customer),
            activity=activities.CUSTOMER_CREATED,
            user=by,
            attributes={
                "customer": customer.name,
                "customer_document": customer.document,
                "segment": segment,
                "region": region,
                "country": customer.country,
                "business_unit": business_unit,
                "delivery": delivery,
                "withholdings": ", ".join(taxes),
                **{k: v for k, v in rates.items() if v is not None},
            },
        )
    return customer


# What ``customer_update`` may change (the CPF/CNPJ never changes: it names the customer's case).
UPDATABLE = (
    "name",
    "email",
    "segment",
    "region",
    "country",
    "business_unit",
    "payment_terms",
    "delivery",
    "withholdings",
    *LATE_RATES,  # None here goes back to the settings' default
)


def customer_update(*, by: User, customer_id: int, **changes: Any) -> Customer:
    """Change some of a customer's fields (those in ``UPDATABLE``; ``None`` = unchanged, but a
    late-charge percent set to ``None`` goes back to the settings' default), with
    a "Customer Updated" event naming what changed. Clearing the e-mail of a customer under
    automatic delivery without choosing "manual" is refused, like any other bad field (422)."""
    require(by, Capability.MANAGE_CUSTOMERS)
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise InvalidInput(
            f"Campo(s) que não podem ser alterados: {', '.join(unknown)}.",
            errors=[{"field": name, "message": "não pode ser alterado"} for name in unknown],
        )
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
        if customer is None:
            raise NotFound(f"Cliente {customer_id} não encontrado.")
        given = {k: v for k, v in changes.items() if v is not None or k in LATE_RATES}
        given.update(_late_rates({k: v for k, v in given.items() if k in LATE_RATES}))
        if "name" in given:
            given["name"] = str(given["name"]).strip()
        if "country" in given:
            given["country"] = str(given["country"]).upper()
        if "withholdings" in given:
            given["withholdings"] = withholdings_validated(given["withholdings"])
        merged = {name: given.get(name, getattr(customer, name)) for name in UPDATABLE}
        _, _, merged["delivery"] = _validated(
            name=merged["name"],
            document=customer.document,
            email=merged["email"],
            country=merged["country"],
            payment_terms=merged["payment_terms"],
            delivery=merged["delivery"],
        )
        changed = {n: v for n, v in merged.items() if getattr(customer, n) != v}
        if not changed:
            return customer
        for name, value in changed.items():
            setattr(customer, name, value)
        customer.save(update_fields=list(changed))
        event_record(
            case_id=customer_case_id(customer),
            activity=activities.CUSTOMER_UPDATED,
            user=by,
            attributes={
                "customer": customer.name,
                "changed": ", ".join(sorted(changed)),
                **{k: ", ".join(v) if isinstance(v, list) else v for k, v in changed.items()},
            },
        )
    return customer
