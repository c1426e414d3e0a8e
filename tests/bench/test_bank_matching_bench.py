"""The bank-matching benchmark at a tiny size, in the test database: its statement matches what
it should (PIX by txid, transfers by CNPJ + amount), leaves the rest unmatched or ignored, and
the sample of payments goes through the payment service."""

from __future__ import annotations

import pytest
from bench.bank_matching import NOW, measure, prepare, statement

from fatura.banking.models import BankEntry
from fatura.core import clock
from fatura.receivables.models import Payment


@pytest.mark.django_db
def test_the_benchmark_matches_its_statement() -> None:
    with clock.override(NOW):
        user = prepare(300)
        result = measure(user, statement(300), settle=12)
    assert result["entries"] == 300
    assert result["matched_decisions"] + result["unmatched"] + result["ignored"] == 300
    assert 0.7 * 300 < result["matched_decisions"] < 0.9 * 300
    assert result["settled_sample"] == 12 == Payment.objects.count()
    assert BankEntry.objects.filter(status="matched").count() == 12
