"""Forms of the pages. They only read what was typed (text, a pt-BR number, a month); every
rule is checked by the service the view calls, whose errors are put back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fatura.catalog.selectors import billing_item_list
from fatura.core.bounds import validate_month_range
from fatura.core.documents import format_document
from fatura.core.months import Month
from fatura.core.withholdings import WithholdingTax
from fatura.customers.models import DEFAULT_TERMS
from fatura.customers.selectors import customer_list
from fatura.customers.terms import payment_term_choices


def decimal_from_input(text: str) -> str:
    """``1.234,56`` or ``1234,56`` -> ``1234.56``; ``12.5`` stays. Invalid text is passed on
    as is, so the service rejects it with its own message."""
    cleaned = (text or "").strip().replace(" ", "").replace("R$", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    return cleaned


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM"})
    default_validators = [validate_month_range]  # 1900-01 .. 2200-12, as the API
    default_error_messages = {"invalid": _("Informe o mês no formato AAAA-MM (ex.: 2026-04).")}

    def to_python(self, value: Any) -> Month | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return Month.parse(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value: Any) -> Any:
        return str(value) if isinstance(value, Month) else value


class DecimalTextField(forms.CharField):
    """A number typed the Brazilian way; passed to the service as a dot-decimal string."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        return decimal_from_input(super().clean(value))


def _customer_choices() -> list[tuple[str, str]]:
    rows = customer_list().values_list("id", "name", "document")
    return [("", str(_("— escolha o cliente —")))] + [
        (str(pk), f"{name} ({format_document(doc)})") for pk, name, doc in rows
    ]


def _item_choices(blank: str) -> list[tuple[str, str]]:
    rows = billing_item_list().values_list("id", "name", "unit")
    return [("", blank)] + [(str(pk), f"{name} ({unit})") for pk, name, unit in rows]


class ListFilterForm(forms.Form):
    """The customer/month filter of list pages (GET ``cliente`` and ``mes``)."""

    cliente = forms.TypedChoiceField(label=_("Cliente"), coerce=int, required=False)
    mes = MonthField(label=_("Mês"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _customer_choices()
        choices[0] = ("", str(_("Todos os clientes")))
        self.fields["cliente"].choices = choices  # type: ignore[attr-defined]


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Nome ou razão social"), max_length=200, required=False)
    document = forms.CharField(
        label=_("CPF/CNPJ"),
        max_length=30,
        required=False,
        help_text=_("Com ou sem pontuação: 11 dígitos (CPF) ou 14 (CNPJ)."),
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    segment = forms.CharField(label=_("Segmento"), max_length=80, required=False)
    region = forms.CharField(label=_("Região"), max_length=80, required=False)
    country = forms.CharField(
        label=_("País"),
        required=False,
        initial="BR",
        widget=forms.TextInput(attrs={"maxlength": 2, "size": 2}),
        help_text=_("Código de 2 letras"),
    )
    business_unit = forms.CharField(label=_("Unidade de negócio"), max_length=80, required=False)
    payment_terms = forms.ChoiceField(
        label=_("Condição de pagamento"),
        choices=payment_term_choices,
        initial=DEFAULT_TERMS,
        required=False,
    )

    # customers.models.DeliveryPolicy; empty: automatic when there is an e-mail
    delivery = forms.ChoiceField(
        label=_("Envio da fatura"),
        choices=[
            ("", _("Automático se houver e-mail")),
            ("email", _("E-mail automático")),
            ("manual", _("Manual")),
        ],
        required=False,
        help_text=_(
            "E-mail automático: a fatura emitida sai na hora por e-mail, com o PDF. "
            "Manual: o Financeiro a envia."
        ),
    )

    # late charges (the service checks 0–20 % and 0–10 %); empty: the installation's default
    late_fine_percent = DecimalTextField(
        label=_("Multa por atraso (%)"),
        required=False,
        help_text=_("De 0 a 20, cobrada uma vez. Em branco: o padrão da instalação."),
    )
    late_interest_monthly_percent = DecimalTextField(
        label=_("Juros de mora ao mês (%)"),
        required=False,
        help_text=_("De 0 a 10, simples, por dia de atraso (mês de 30 dias)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update(required=True, autocomplete="organization")
        self.fields["document"].widget.attrs.update(required=True, inputmode="numeric")
        self.fields["email"].widget.attrs.update(type="email", autocomplete="email")

    def clean_country(self) -> str:
        return str(self.cleaned_data.get("country") or "BR").strip().upper()

    withholdings = forms.MultipleChoiceField(
        label=_("Retenções na fonte"),
        choices=WithholdingTax.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Impostos que o cliente retém ao pagar; a fatura mostra o líquido."),
    )

    def clean_payment_terms(self) -> str:
        return str(self.cleaned_data.get("payment_terms") or DEFAULT_TERMS)

    def clean_late_fine_percent(self) -> str | None:
        return self.cleaned_data.get("late_fine_percent") or None  # empty: the default

    def clean_late_interest_monthly_percent(self) -> str | None:
        return self.cleaned_data.get("late_interest_monthly_percent") or None


class BillingItemForm(forms.Form):
    name = forms.CharField(label=_("Nome do item"), max_length=120, required=False)
    product = forms.CharField(label=_("Produto"), max_length=120, required=False)
    unit = forms.CharField(
        label=_("Unidade"), max_length=30, required=False, help_text=_("Ex.: GB, hora")
    )
    unit_price = DecimalTextField(
        label=_("Preço unitário (R$)"), required=False, help_text=_("Até 4 casas: 0,0125")
    )
    valid_from = MonthField(label=_("Vale a partir de"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "product", "unit", "unit_price"):
            self.fields[name].widget.attrs["required"] = True


class PriceVersionForm(forms.Form):
    unit_price = DecimalTextField(
        label=_("Novo preço unitário (R$)"), required=False, help_text=_("Até 4 casas: 0,0125")
    )
    valid_from = MonthField(label=_("Vale a partir de"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit_price"].widget.attrs["required"] = True


class PriceReplaceForm(forms.Form):
    unit_price = DecimalTextField(
        label=_("Preço unitário correto (R$)"), required=False, help_text=_("Até 4 casas: 0,0125")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit_price"].widget.attrs["required"] = True


class ConsumptionForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("Cliente"), coerce=int)
    month = MonthField(label=_("Mês de referência"))
    billing_item = forms.TypedChoiceField(label=_("Item de cobrança"), coerce=int)
    quantity = DecimalTextField(label=_("Quantidade"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = _customer_choices()  # type: ignore[attr-defined]
        self.fields["billing_item"].choices = _item_choices(  # type: ignore[attr-defined]
            str(_("— escolha o item —"))
        )
        self.fields["quantity"].widget.attrs["required"] = True


class VolumeFileForm(forms.Form):
    file = forms.FileField(
        label=_("Arquivo de volumetria (CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class FinalizeForm(forms.Form):
    customer = forms.IntegerField(widget=forms.HiddenInput)
    month = MonthField(widget=forms.HiddenInput)
    result_center = forms.CharField(label=_("Centro de resultado"), max_length=60, required=False)
    ticket = forms.CharField(label=_("Chamado"), max_length=60, required=False)
    total_charged = DecimalTextField(
        label=_("Total a cobrar (R$)"),
        required=False,
        help_text=_("Já vem com o total devido; altere só se houver ajuste."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("result_center", "ticket", "total_charged"):
            self.fields[name].widget.attrs["required"] = True


class BillingRunForm(forms.Form):
    month = MonthField(widget=forms.HiddenInput)
    result_center = forms.CharField(label=_("Centro de resultado"), max_length=60, required=False)
    ticket = forms.CharField(label=_("Chamado"), max_length=60, required=False)
    confirm = forms.BooleanField(
        label=_("Confirmo: finalizar todas as cobranças pendentes do mês, com o total devido."),
        error_messages={"required": _("Marque a confirmação para faturar o mês inteiro.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the page may also show a finalize form with the same field names.
        kwargs.setdefault("auto_id", "run_%s")
        super().__init__(*args, **kwargs)
        for name in ("result_center", "ticket"):
            self.fields[name].widget.attrs["required"] = True


class UsageForm(forms.Form):
    cliente = forms.TypedChoiceField(label=_("Cliente"), coerce=int)
    itens = forms.TypedMultipleChoiceField(
        label=_("Itens de cobrança (até 10)"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cliente"].choices = _customer_choices()  # type: ignore[attr-defined]
        self.fields["itens"].choices = _item_choices("")[1:]  # type: ignore[attr-defined]
