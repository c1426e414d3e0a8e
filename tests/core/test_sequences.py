"""core.sequences: gapless counters taken inside the transaction that uses the number."""

from __future__ import annotations

import pytest
from django.db import transaction

from fatura.core.models import Counter
from fatura.core.sequences import next_number


@pytest.mark.django_db
def test_numbers_are_consecutive_per_sequence():
    with transaction.atomic():
        taken = [next_number("invoice") for _ in range(3)]
        other = next_number("credit-note")
    assert taken == [1, 2, 3]
    assert other == 1
    assert Counter.objects.get(name="invoice").last_value == 3


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_number_back():
    with transaction.atomic():
        assert next_number("invoice") == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number("invoice") == 2
        raise RuntimeError("the action failed after taking its number")
    with transaction.atomic():
        assert next_number("invoice") == 2


# No surrounding test transaction here. serialized_rollback: the flush afterwards must give the
# migrations' data (role groups) back to the transactional tests that run after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_next_number_outside_a_transaction_raises():
    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        next_number("invoice")
    assert not Counter.objects.filter(name="invoice").exists()
