"""Banking tests: frozen clock, invoices made through receivables' services, a PIX key and a
boleto account configured (Itaú carteira 109 unless a test says otherwise)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.receivables.builders import Books
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]


@pytest.fixture
def accounts(settings: Any) -> Any:
    settings.FATURA_PIX_KEY = "financeiro@fatura.example"
    settings.FATURA_PIX_MERCHANT_NAME = "Fatura Serviços Digitais Ltda."
    settings.FATURA_PIX_MERCHANT_CITY = "São Paulo"
    settings.FATURA_BOLETO_BANK = "341"
    settings.FATURA_BOLETO_AGENCY = "0057"
    settings.FATURA_BOLETO_ACCOUNT = "12345-7"
    settings.FATURA_BOLETO_CARTEIRA = "109"
    settings.FATURA_BOLETO_CONVENIO = ""
    return settings


@pytest.fixture
def books(fin_user: Any, frozen_clock: Any, settings: Any, accounts: Any) -> Books:
    from tests.factories import financeiro

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FATURA_APPROVAL_THRESHOLD = "10000.00"
    return Books(fin_user, financeiro("aprovador"), frozen_clock)
