"""factory_boy factories for Fatura's models. Rows that carry business rules (invoices) are
made through the services in tests; these factories build the plain master data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from fatura.catalog.models import BillingItem, ItemSource, PriceVersion
from fatura.core.documents import cnpj_with_check_digits
from fatura.core.roles import FINANCEIRO, OPERACAO
from fatura.customers.models import Customer


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("secret-pass")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            # get_or_create: a transactional test's flush (after browser tests, where
            # serialized_rollback can't restore them) may have dropped the migration's groups
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])


def financeiro(username: str = "fin") -> User:
    return UserFactory(username=username, role=FINANCEIRO)


def operacao(username: str = "ops") -> User:
    return UserFactory(username=username, role=OPERACAO)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Cliente {n:04d} Ltda")
    document = factory.Sequence(lambda n: cnpj_with_check_digits(f"{10000000 + n:08d}0001"))
    document_type = "CNPJ"
    email = factory.Sequence(lambda n: f"financeiro{n}@cliente.example")
    segment = "Varejo"
    region = "Sudeste"
    country = "BR"
    business_unit = "Cloud"
    payment_terms = "NET30"


class BillingItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingItem
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Item {n:03d}")
    product = "Plataforma"
    unit = "un"
    source = ItemSource.MANUAL

    @factory.post_generation
    def price(self, create: bool, extracted: object, **kwargs: object) -> None:
        """``BillingItemFactory(price=("12.50", "2026-01"))`` adds one price version."""
        if create and extracted:
            unit_price, month = extracted  # type: ignore[misc]
            year, mon = map(int, str(month).split("-"))
            PriceVersion.objects.create(
                item=self, unit_price=Decimal(unit_price), valid_from=dt.date(year, mon, 1)
            )


def restore_seeded_rows() -> None:
    """Put back the rows data migrations seed (customers.0004's payment terms, fiscal.0004's
    delay reasons) when a transactional test's flush has dropped them. Module-scoped demo
    fixtures call it too: they run before the autouse fixture of their first test."""
    from importlib import import_module

    from fatura.customers.models import PaymentTerm
    from fatura.fiscal.models import DelayReason

    if not PaymentTerm.objects.exists():
        terms = import_module("fatura.customers.migrations.0004_payment_term").TERMS
        PaymentTerm.objects.bulk_create(
            PaymentTerm(
                code=code,
                label=label,
                installments=[{"days": d, "percent": p} for d, p in installments],
                discount_percent=percent,
                discount_days=days,
            )
            for code, label, installments, percent, days in terms
        )
    if not DelayReason.objects.exists():
        seed = import_module("fatura.fiscal.migrations.0004_delay_reasons").SEED
        DelayReason.objects.bulk_create(DelayReason(label=label, kind=kind) for label, kind in seed)
