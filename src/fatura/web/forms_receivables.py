"""Forms of the receivables pages: direct invoices, the invoice's actions, payments, collections
and reports. Like ``forms``, they only read what was typed (a pt-BR number, a date dd/mm/aaaa);
every rule is the service's, and its errors are put back on these fields (same names as the
service's arguments, so ``add_domain_errors`` finds them)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fatura.core.bounds import validate_date_range
from fatura.core.money import format_brl
from fatura.customers.terms import payment_term_choices
from fatura.receivables.models import (
    CallOutcome,
    DeliveryStatus,
    DisputeReason,
    DisputeResolution,
    Frequency,
    InvoiceKind,
    InvoiceStatus,
    PaymentMethod,
    PaymentStatus,
)
from fatura.web.forms import DecimalTextField, ListFilterForm, _customer_choices


def _terms_or_customers() -> list[tuple[str, str]]:
    return [("", str(_("A do cliente"))), *payment_term_choices()]


DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def date_text(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


class DateBRField(forms.CharField):
    """A date typed ``dd/mm/aaaa`` (ISO ``aaaa-mm-dd`` also read)."""

    default_error_messages = {"invalid": _("Informe a data no formato dd/mm/aaaa.")}
    default_validators = [validate_date_range]  # 1900-01-01 .. 2200-12-31, as the API

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"placeholder": "dd/mm/aaaa", "inputmode": "numeric", "autocomplete": "off"}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        if isinstance(value, dt.date):
            return value
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar day
            except ValueError:
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def prepare_value(self, value: Any) -> Any:
        return date_text(value) if isinstance(value, dt.date) else value


def _required(form: forms.Form, *names: str) -> None:
    """The browser marks them required; the service says why when they are missing."""
    for name in names:
        form.fields[name].widget.attrs["required"] = True


# the kinds a user creates by hand (usage invoices come from finalized charges); labels from
# the one vocabulary
KIND_CHOICES = [
    (kind.value, kind.label)
    for kind in (InvoiceKind.SIMPLE, InvoiceKind.RECURRING, InvoiceKind.PROFORMA)
]


class InvoiceCreateForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("Cliente"), coerce=int)
    kind = forms.ChoiceField(label=_("Tipo"), choices=KIND_CHOICES, initial="simple")
    issue_date = DateBRField(label=_("Data de emissão"))
    payment_terms = forms.ChoiceField(
        label=_("Condição de pagamento"),
        choices=_terms_or_customers,
        required=False,
    )
    description = forms.CharField(label=_("Descrição"), max_length=200, required=False)
    frequency = forms.ChoiceField(
        label=_("Frequência"),
        choices=[("", _("— escolha —")), *Frequency.choices],
        required=False,
    )
    recurrence_end = DateBRField(
        label=_("Última emissão"), required=False, help_text=_("Opcional: sem data, não termina.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = _customer_choices()  # type: ignore[attr-defined]
        _required(self, "issue_date")


class LineRow:
    """One typed line of the invoice form, with its errors (field -> message)."""

    def __init__(self, description: str = "", quantity: str = "", unit_price: str = "") -> None:
        self.description = description
        self.quantity = quantity
        self.unit_price = unit_price
        self.errors: dict[str, str] = {}

    @property
    def blank(self) -> bool:
        return not (self.description.strip() or self.quantity.strip() or self.unit_price.strip())


def line_rows(data: Any) -> list[LineRow]:
    descriptions = data.getlist("line_description")
    quantities = data.getlist("line_quantity")
    prices = data.getlist("line_unit_price")
    size = max(len(descriptions), len(quantities), len(prices))

    def at(values: list[str], i: int) -> str:
        return values[i] if i < len(values) else ""

    return [LineRow(at(descriptions, i), at(quantities, i), at(prices, i)) for i in range(size)]


# --- the invoice's actions ---------------------------------------------------------------


class ConfirmForm(forms.Form):
    """Actions without data (complete, submit, approve, send, remind, convert)."""


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required(self, "reason")


class CallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Resultado da ligação"), choices=[("", _("— escolha —")), *CallOutcome.choices]
    )
    promise_date = DateBRField(
        label=_("Data prometida"),
        required=False,
        help_text=_("Obrigatória quando há promessa de pagamento."),
    )
    note = forms.CharField(label=_("Observação"), max_length=300, required=False)


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motivo da disputa"), choices=[("", _("— escolha —")), *DisputeReason.choices]
    )
    amount = DecimalTextField(label=_("Valor contestado (R$)"), required=False)
    note = forms.CharField(label=_("Observação"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required(self, "amount")


class ResolveDisputeForm(forms.Form):
    dispute_id = forms.TypedChoiceField(label=_("Disputa"), coerce=int, required=False)
    resolution = forms.ChoiceField(
        label=_("Resolução"), choices=[("", _("— escolha —")), *DisputeResolution.choices]
    )
    amount = DecimalTextField(
        label=_("Valor (R$)"),
        required=False,
        help_text=_("Para nota de crédito ou ajuste; vazio: o valor contestado."),
    )
    note = forms.CharField(label=_("Observação"), max_length=300, required=False)

    def __init__(self, *args: Any, disputes: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dispute_id"].choices = [  # type: ignore[attr-defined]
            (d.pk, f"#{d.pk} · {d.get_reason_display()}") for d in disputes or []
        ]


class AmountReasonForm(forms.Form):
    amount = DecimalTextField(label=_("Valor (R$)"), required=False)
    reason = forms.CharField(label=_("Motivo"), max_length=300, required=False)

    def __init__(self, *args: Any, signed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if signed:
            self.fields["amount"].help_text = _(
                "Positivo aumenta o que o cliente deve (débito); negativo reduz (crédito)."
            )
        _required(self, "amount", "reason")


def document_date_field() -> DateBRField:
    """The date of a correction document (blank: today); the service checks its bounds."""
    return DateBRField(
        label=_("Data do documento"),
        required=False,
        help_text=_("Em branco: hoje. Os relatórios na data contam a partir dela."),
    )


class DatedAmountReasonForm(AmountReasonForm):
    """A credit note or an adjustment: amount, reason and the document's date."""

    date = document_date_field()


class WriteOffForm(ReasonForm):
    date = document_date_field()


class LateChargesWaiveForm(forms.Form):
    amount = DecimalTextField(label=_("Valor a dispensar (R$)"), required=False)
    reason = forms.CharField(label=_("Motivo"), max_length=300, required=False)

    def __init__(self, *args: Any, open_amount: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _(
            "Em branco: todos os encargos por atraso em aberto (%(amount)s)."
        ) % {"amount": format_brl(open_amount)}
        _required(self, "reason")


# --- payments ----------------------------------------------------------------------------


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class PaymentForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("Cliente"), coerce=int)
    amount = DecimalTextField(label=_("Valor recebido (R$)"), required=False)
    received_at = DateBRField(label=_("Recebido em"))
    method = forms.ChoiceField(
        label=_("Forma de pagamento"), choices=[("", _("— escolha —")), *PaymentMethod.choices]
    )
    reference = forms.CharField(
        label=_("Referência"),
        max_length=80,
        required=False,
        help_text=_("Ex.: ID da transação PIX, nosso número do boleto."),
    )
    posted_at = DateBRField(
        label=_("Data contábil"), required=False, help_text=_("Opcional: contabilizar já.")
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = _customer_choices()  # type: ignore[attr-defined]
        _required(self, "amount", "received_at")


class PostForm(forms.Form):
    posted_at = DateBRField(label=_("Data contábil"))


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo do estorno"),
        max_length=200,
        required=False,
        help_text=_("Ex.: cheque devolvido, boleto cancelado."),
    )
    date = DateBRField(label=_("Data do estorno"), required=False, help_text=_("Em branco: hoje."))


# --- filters -----------------------------------------------------------------------------


class InvoiceFilterForm(ListFilterForm):
    situacao = forms.ChoiceField(
        label=_("Situação"), required=False, choices=[("", _("Todas")), *InvoiceStatus.choices]
    )
    pagamento = forms.ChoiceField(
        label=_("Pagamento"), required=False, choices=[("", _("Todos")), *PaymentStatus.choices]
    )
    tipo = forms.ChoiceField(
        label=_("Tipo"), required=False, choices=[("", _("Todos")), *InvoiceKind.choices]
    )
    vencidas = forms.BooleanField(label=_("Só vencidas com saldo"), required=False)
    envio = forms.ChoiceField(
        label=_("Envio por e-mail"),
        required=False,
        choices=[
            ("", _("Todos")),
            *[c for c in DeliveryStatus.choices if c[0]],
            ("none", _("Sem envio automático")),
        ],
    )


class PaymentFilterForm(forms.Form):
    cliente = forms.TypedChoiceField(label=_("Cliente"), coerce=int, required=False)
    forma = forms.ChoiceField(
        label=_("Forma"), required=False, choices=[("", _("Todas")), *PaymentMethod.choices]
    )
    de = DateBRField(label=_("Recebido de"), required=False)
    ate = DateBRField(label=_("até"), required=False)
    nao_aplicado = forms.BooleanField(label=_("Só com crédito não aplicado"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _customer_choices()
        choices[0] = ("", str(_("Todos os clientes")))
        self.fields["cliente"].choices = choices  # type: ignore[attr-defined]


GROUP_BY_CHOICES = [
    ("customer", _("Cliente")),
    ("segment", _("Segmento")),
    ("business_unit", _("Unidade de negócio")),
    ("collector", _("Cobrador")),
]


class AgingForm(forms.Form):
    as_of = DateBRField(label=_("Posição em"), required=False)
    group_by = forms.ChoiceField(
        label=_("Agrupar por"), choices=GROUP_BY_CHOICES, required=False, initial="customer"
    )


class PeriodForm(forms.Form):
    start = DateBRField(label=_("De"), required=False)
    end = DateBRField(label=_("Até"), required=False)
