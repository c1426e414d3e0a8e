from __future__ import annotations

from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from fatura.core.schemas import text_in

# What Django's validate_email accepts, in a form a client can check (empty: no e-mail).
_LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = (
    r"^$|^[A-Za-z0-9_%+-]{1,32}([.][A-Za-z0-9_%+-]{1,32}){0,3}@"
    + f"({_LABEL}[.]){{1,4}}[A-Za-z]{{2,24}}$"
)

# The codes of customers.models.PaymentTerms (a test pins that they agree).
PaymentTermCode = Literal["NET30", "NET60", "DUE_ON_RECEIPT", "2_10_NET30"]
# The codes of customers.models.DeliveryPolicy.
DeliveryCode = Literal["email", "manual"]


class CustomerIn(Schema):
    name: Annotated[str, text_in(200, required=True)]
    document: str = Field(
        pattern=r"^[0-9./ -]{11,18}$",
        description="CPF (11 dígitos) ou CNPJ (14), com dígitos verificadores válidos; "
        "pontuação opcional.",
    )
    email: str = Field("", max_length=254, pattern=EMAIL_PATTERN)
    segment: Annotated[str, text_in(80)] = ""
    region: Annotated[str, text_in(80)] = ""
    country: str = Field("BR", pattern=r"^[A-Za-z]{2}$", description="Código ISO de 2 letras.")
    business_unit: Annotated[str, text_in(80)] = ""
    payment_terms: PaymentTermCode = "NET30"
    delivery: DeliveryCode | None = Field(
        None,
        description="Envio da fatura emitida: email (automático, com o PDF) ou manual; "
        "padrão: email quando o cliente tem e-mail, senão manual.",
    )


class CustomerPatch(Schema):
    """``PATCH /customers/{id}``: only the fields given change (the CPF/CNPJ never does)."""

    name: Annotated[str, text_in(200, required=True)] | None = None
    email: str | None = Field(None, max_length=254, pattern=EMAIL_PATTERN)
    segment: Annotated[str, text_in(80)] | None = None
    region: Annotated[str, text_in(80)] | None = None
    country: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}$", description="Código ISO de 2 letras."
    )
    business_unit: Annotated[str, text_in(80)] | None = None
    payment_terms: PaymentTermCode | None = None
    delivery: DeliveryCode | None = Field(
        None, description="Envio da fatura emitida: email (automático, com o PDF) ou manual."
    )


class CustomerOut(Schema):
    id: int
    name: str
    document: str
    document_type: str
    email: str
    segment: str
    region: str
    country: str
    business_unit: str
    payment_terms: str
    delivery: DeliveryCode
