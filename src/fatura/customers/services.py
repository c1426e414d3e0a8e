from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from fatura.core.documents import document_kind, only_digits
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.core.roles import Capability, require
from fatura.core.users import User
from fatura.customers.models import Customer, PaymentTerms
from fatura.eventlog import activities
from fatura.eventlog.services import event_record


def customer_case_id(customer: Customer) -> str:
    return f"customer:{customer.document}"


def _validated(
    *, name: str, document: str, email: str, country: str, payment_terms: str
) -> tuple[str, str]:
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
    if payment_terms not in PaymentTerms.values:
        allowed = ", ".join(PaymentTerms.values)
        errors.append(
            {"field": "payment_terms", "message": f"Condição de pagamento inválida; use {allowed}."}
        )
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), errors=errors)
    return only_digits(document), kind


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
    payment_terms: str = PaymentTerms.NET_30,
) -> Customer:
    require(by, Capability.MANAGE_CUSTOMERS)
    digits, kind = _validated(
        name=name, document=document, email=email, country=country, payment_terms=payment_terms
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
            },
        )
    return customer
