from __future__ import annotations

from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from fatura.core.schemas import MoneyOut, decimal_in, patterned, text_in
from fatura.core.terms import CODE_PATTERN, MAX_DAYS, MAX_INSTALLMENTS

# What Django's validate_email accepts, in a form a client can check (empty: no e-mail).
_LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = (
    r"^$|^[A-Za-z0-9_%+-]{1,32}([.][A-Za-z0-9_%+-]{1,32}){0,3}@"
    + f"({_LABEL}[.]){{1,4}}[A-Za-z]{{2,24}}$"
)

# The code of a payment term (customers.models.PaymentTerm; GET /payment-terms lists them).
PaymentTermCode = Annotated[
    str,
    patterned(
        CODE_PATTERN,
        "Código de condição de pagamento inválido: {value!r}.",
        maxLength=20,
        description="Código de uma condição de pagamento (GET /payment-terms), ex.: NET30.",
    ),
]
# The codes of customers.models.DeliveryPolicy.
DeliveryCode = Literal["email", "manual"]

# Late charges (docs/decisions/0024), in percent with up to 2 places; null: the settings'
# default (FATURA_LATE_FINE_PERCENT / FATURA_LATE_INTEREST_MONTHLY_PERCENT, 0 unless set).
LateFinePercent = Annotated[
    str,
    decimal_in(
        max_digits=4,
        places=2,
        minimum="0",
        maximum="20",
        pattern=r"^(20([.]0{1,2})?|1?[0-9]([.][0-9]{1,2})?)$",
        description="Multa por atraso (%), cobrada uma vez sobre o valor pago em atraso: de 0 "
        "a 20, até 2 casas; null: o padrão da instalação.",
        example="2.00",
    ),
]
LateInterestPercent = Annotated[
    str,
    decimal_in(
        max_digits=4,
        places=2,
        minimum="0",
        maximum="10",
        pattern=r"^(10([.]0{1,2})?|[0-9]([.][0-9]{1,2})?)$",
        description="Juros de mora ao mês (%), simples, pro rata die (mês de 30 dias), sobre o "
        "valor pago em atraso: de 0 a 10, até 2 casas; null: o padrão da instalação.",
        example="1.00",
    ),
]


# The codes of core.withholdings.WithholdingTax (a test pins that they agree).
WithholdingCode = Literal["iss", "irrf", "pis", "cofins", "csll", "inss"]
Withholdings = list[WithholdingCode]
WITHHOLDINGS_HELP = (
    "Impostos que o cliente retém: iss (à alíquota do serviço), irrf (1,5 %), pis (0,65 %), "
    "cofins (3 %), csll (1 %), inss (11 %), com as dispensas da lei (R$ 10,00)."
)


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
    withholdings: Withholdings = Field(
        default_factory=list, max_length=6, description=WITHHOLDINGS_HELP
    )
    late_fine_percent: LateFinePercent | None = None
    late_interest_monthly_percent: LateInterestPercent | None = None


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
    withholdings: Withholdings | None = Field(None, max_length=6, description=WITHHOLDINGS_HELP)
    late_fine_percent: LateFinePercent | None = Field(
        None, description="Multa por atraso (%), 0 a 20; null volta ao padrão da instalação."
    )
    late_interest_monthly_percent: LateInterestPercent | None = Field(
        None, description="Juros de mora ao mês (%), 0 a 10; null volta ao padrão da instalação."
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
    withholdings: Withholdings
    late_fine_percent: MoneyOut | None = Field(
        description="Multa por atraso (%); null: o padrão da instalação."
    )
    late_interest_monthly_percent: MoneyOut | None = Field(
        description="Juros de mora ao mês (%); null: o padrão da instalação."
    )


# --- payment terms ------------------------------------------------------------------------

Percent = Annotated[
    str,
    decimal_in(
        max_digits=7,
        places=4,
        positive=True,
        maximum="100",
        pattern=r"^(100([.]0{1,4})?|[0-9]{1,2}([.][0-9]{1,4})?)$",
        description="Percentual do total, até 4 casas (um terço: 33.3333).",
        example="33.3333",
    ),
]
DiscountPercent = Annotated[
    str,
    decimal_in(
        max_digits=4,
        places=2,
        minimum="0",
        maximum="99.99",
        pattern=r"^[0-9]{1,2}([.][0-9]{1,2})?$",
        description="Desconto por antecipação (%), com discount_days; 0: sem desconto.",
        example="2.00",
    ),
]


class TermInstallmentIn(Schema):
    days: int = Field(ge=0, le=MAX_DAYS, description="Dias após a emissão.")
    percent: Percent


class TermInstallmentOut(Schema):
    days: int
    percent: str


class PaymentTermIn(Schema):
    code: PaymentTermCode
    label: Annotated[str, text_in(80, required=True)]
    installments: list[TermInstallmentIn] = Field(
        min_length=1,
        max_length=MAX_INSTALLMENTS,
        description="Dias crescentes; percentuais somando exatamente 100 (a última parcela "
        "fica com o centavo do arredondamento).",
    )
    discount_percent: DiscountPercent = "0"
    discount_days: int = Field(0, ge=0, le=MAX_DAYS, description="Dias do desconto.")
    active: bool = True


class PaymentTermPatch(Schema):
    """``PATCH /payment-terms/{code}``: only the fields given change (the code never does)."""

    label: Annotated[str, text_in(80, required=True)] | None = None
    installments: list[TermInstallmentIn] | None = Field(
        None, min_length=1, max_length=MAX_INSTALLMENTS
    )
    discount_percent: DiscountPercent | None = None
    discount_days: int | None = Field(None, ge=0, le=MAX_DAYS)
    active: bool | None = None


class PaymentTermOut(Schema):
    code: str
    label: str
    installments: list[TermInstallmentOut]
    discount_percent: str
    discount_days: int
    active: bool
