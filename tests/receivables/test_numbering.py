"""receivables.numbering: the document series, on core's number-series service."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from fatura.core.models import Counter
from fatura.receivables.numbering import ADJUSTMENTS, CREDIT_NOTES, INVOICES, PROFORMAS


@given(sequence=st.integers(min_value=1, max_value=99_999_998))
def test_invoice_numbers_are_fixed_width_so_text_order_is_number_order(sequence):
    number = INVOICES.format(sequence)
    assert number == f"FAT-{sequence:08d}" and len(number) == 12
    assert number < INVOICES.format(sequence + 1)


def test_each_document_prints_its_prefix():
    assert [s.format(7) for s in (INVOICES, PROFORMAS, CREDIT_NOTES, ADJUSTMENTS)] == [
        "FAT-00000007",
        "PRO-00000007",
        "NC-00000007",
        "AJ-00000007",
    ]


@pytest.mark.django_db
def test_a_block_is_reserved_after_single_numbers_without_gaps():
    with transaction.atomic():
        assert INVOICES.take() == 1
        assert INVOICES.take_block(3) == 2
        assert INVOICES.take() == 5
    assert Counter.objects.get(name="invoice").last_value == 5
