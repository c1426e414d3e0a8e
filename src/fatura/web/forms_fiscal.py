"""Forms of the fiscal pages. Like the other forms, they only read what was typed (a date
dd/mm/aaaa, a time, a pt-BR number); the rules are the fiscal services' and their errors are
put back on these fields (same names as the services' arguments)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fatura.core.bounds import MONTH_PATTERN, validate_date_range
from fatura.fiscal.kpi import Filters, Period
from fatura.fiscal.listing import FilterChoices
from fatura.web.forms import DecimalTextField, _customer_choices
from fatura.web.forms_receivables import DateBRField

DATETIME_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
MONTH = re.compile(MONTH_PATTERN)  # 1900-01 .. 2200-12


class DateTimeBRField(forms.CharField):
    """A moment typed ``dd/mm/aaaa hh:mm`` (a date alone is that day at 00:00), in the
    configured time zone."""

    default_error_messages = {"invalid": _("Informe a data e a hora: dd/mm/aaaa hh:mm.")}
    default_validators = [validate_date_range]  # 1900 .. 2200, as the API

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"placeholder": "dd/mm/aaaa hh:mm", "autocomplete": "off", "inputmode": "numeric"}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:  # type: ignore[override]
        if isinstance(value, dt.datetime):
            return value
        text = " ".join((super().to_python(value) or "").split())
        if not text:
            return None
        zone = timezone.get_current_timezone()
        for fmt in (*DATETIME_FORMATS, "%d/%m/%Y"):
            try:
                naive = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware below
            except ValueError:
                continue
            return naive.replace(tzinfo=zone)
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
        return value


class MonthsField(forms.MultipleChoiceField):
    """Months ``YYYY-MM``; any month is valid (the page offers those of the period)."""

    def valid_value(self, value: Any) -> bool:
        return bool(MONTH.match(str(value)))


class FiscalFilterForm(forms.Form):
    """Period and filters of the dashboard and the reports (GET). Repeated parameters select
    several values: ``?equipe=Norte&equipe=Sul``."""

    inicio = DateBRField(label=_("De"), required=False)
    fim = DateBRField(label=_("Até"), required=False)
    cliente = forms.TypedMultipleChoiceField(label=_("Cliente"), coerce=int, required=False)
    tipo = forms.MultipleChoiceField(label=_("Tipo de serviço"), required=False)
    equipe = forms.MultipleChoiceField(label=_("Equipe"), required=False)
    mes = MonthsField(label=_("Mês de emissão"), required=False)

    def __init__(self, data: Any, choices: FilterChoices, *, today: dt.date) -> None:
        super().__init__(data)
        self.today = today
        self.fields["cliente"].choices = [(str(pk), name) for pk, name in choices.customers]  # type: ignore[attr-defined]
        self.fields["tipo"].choices = [(t, t) for t in choices.service_types]  # type: ignore[attr-defined]
        self.fields["equipe"].choices = [(t, t) for t in choices.teams]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("inicio"), data.get("fim")
        if start and end and end < start:
            self.add_error("fim", _("O fim não pode ser antes do início."))
        return data

    def _valid(self) -> dict[str, Any]:
        return self.cleaned_data if self.is_bound and self.is_valid() else {}

    def period(self) -> Period:
        """The period asked; by default from the first of this month to today."""
        data = self._valid()
        end = data.get("fim") or max(self.today, data.get("inicio") or self.today)
        start = data.get("inicio") or end.replace(day=1)
        return Period(start, end)

    def filters(self) -> Filters:
        data = self._valid()
        return Filters(
            customer_ids=tuple(data.get("cliente") or ()),
            service_types=tuple(data.get("tipo") or ()),
            teams=tuple(data.get("equipe") or ()),
            months=tuple(data.get("mes") or ()),
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Arquivo"))

    def __init__(self, *args: Any, accept: str = ".csv,text/csv", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = accept


class ServiceOrderForm(forms.Form):
    number = forms.CharField(label=_("Número da OS"), max_length=60, required=False)
    customer = forms.TypedChoiceField(label=_("Cliente"), coerce=int)
    service_type = forms.CharField(label=_("Tipo de serviço"), max_length=80, required=False)
    team = forms.CharField(label=_("Equipe"), max_length=80, required=False)
    value = DecimalTextField(label=_("Valor (R$)"), required=False)
    completed_at = DateTimeBRField(
        label=_("Concluída em"),
        required=False,
        help_text=_("Opcional: deixe em branco para uma OS ainda aberta."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = _customer_choices()  # type: ignore[attr-defined]
        for name in ("number", "service_type", "team", "value"):
            self.fields[name].widget.attrs["required"] = True
        self.fields["service_type"].widget.attrs["list"] = "service-types"
        self.fields["team"].widget.attrs["list"] = "teams"


class CompleteForm(forms.Form):
    completed_at = DateTimeBRField(
        label=_("Concluída em"), required=False, help_text=_("Em branco: agora.")
    )


class BillForm(forms.Form):
    billed_at = DateTimeBRField(
        label=_("Faturada em"), required=False, help_text=_("Em branco: agora.")
    )
    invoice = forms.CharField(
        label=_("Fatura"),
        max_length=30,
        required=False,
        help_text=_("Opcional: o número da fatura do Fatura, ex.: FAT-00000012."),
    )


class ExpectedLagForm(forms.Form):
    customer = forms.TypedChoiceField(
        label=_("Cliente"), coerce=int, required=False, empty_value=None
    )
    service_type = forms.CharField(
        label=_("Tipo de serviço"),
        max_length=80,
        required=False,
        help_text=_("Em branco: todos os tipos."),
    )
    days = DecimalTextField(
        label=_("Dias esperados"),
        required=False,
        help_text=_("Da conclusão da OS até a emissão da NFS-e; aceita decimais: 0,5 = 12 h."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _customer_choices()
        choices[0] = ("", str(_("Todos os clientes")))
        self.fields["customer"].choices = choices  # type: ignore[attr-defined]
        self.fields["days"].widget.attrs["required"] = True
        self.fields["service_type"].widget.attrs["list"] = "service-types"
