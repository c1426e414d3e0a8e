"""Invoices in a given state, made through the services (rules and events apply)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fatura.customers.models import Customer
from fatura.receivables import payments, services
from fatura.receivables.models import Invoice
from tests.factories import CustomerFactory

ISSUE = dt.date(2026, 5, 5)  # tests.scenarios.NOW in São Paulo


class Books:
    def __init__(self, user: Any, approver: Any, clock: Any) -> None:
        self.user = user
        self.approver = approver
        self.clock = clock

    def customer(self, **kwargs: Any) -> Customer:
        customer: Customer = CustomerFactory(**kwargs)
        return customer

    def draft(
        self,
        customer: Customer | None = None,
        *,
        amount: str = "1000.00",
        kind: str = "simple",
        terms: str = "NET30",
        issue_date: dt.date = ISSUE,
        **kwargs: Any,
    ) -> Invoice:
        return services.invoice_create(
            by=self.user,
            customer=customer or self.customer(),
            kind=kind,
            issue_date=issue_date,
            payment_terms=terms,
            lines=[{"description": "Consultoria", "quantity": "1", "unit_price": amount}],
            **kwargs,
        )

    def sent(self, customer: Customer | None = None, **kwargs: Any) -> Invoice:
        invoice = self.draft(customer, **kwargs)
        services.invoice_complete(by=self.user, number=invoice.number)
        if invoice.total_charged > Decimal("10000.00"):
            services.invoice_submit(by=self.user, number=invoice.number)
            services.invoice_approve(by=self.approver, number=invoice.number)
        return services.invoice_send(by=self.user, number=invoice.number)

    def pay(self, invoice: Invoice, amount: str, *, received_at: dt.date = ISSUE, **kw: Any) -> Any:
        return payments.payment_record(
            by=self.user,
            customer=invoice.customer,
            amount=amount,
            received_at=received_at,
            method="pix",
            allocations=[{"invoice_number": invoice.number, "amount": amount}],
            **kw,
        )

    def reload(self, invoice: Invoice) -> Invoice:
        return Invoice.objects.get(pk=invoice.pk)
