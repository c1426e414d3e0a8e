"""Fixtures of the NFS-e issuing tests: a self-signed CA, server and A1 client certificate made
with ``cryptography`` (once per module), the contract server started on a free port for each
test, the settings that point Fatura at it, and an invoice with billed service orders. The
signatures are checked with Debian's xmlsec1 — independent of signxml, which signs."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fatura.fiscal.contract_server import ContractCerts, ContractServer, make_certificates
from fatura.fiscal.models import ServiceType
from fatura.fiscal.xmldsig_check import verify
from fatura.receivables import services
from fatura.receivables.models import Invoice
from tests.factories import CustomerFactory
from tests.fiscal.dps_builders import billed_order, invoice, service_type

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
NFSE_NS = "http://www.sped.fazenda.gov.br/nfse"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> ContractCerts:
    return make_certificates(tmp_path_factory.mktemp("nfse-certs"))


@pytest.fixture
def sefin(certs: ContractCerts, settings: Any) -> Iterator[ContractServer]:
    server = ContractServer(certs).start()
    settings.TASKS = IMMEDIATE
    settings.FATURA_COMPANY = {
        **settings.FATURA_COMPANY,
        "document": "11.222.333/0001-81",
        "municipality_code": "3550308",
        "municipal_registration": "",
        "simples_nacional": "1",
        "simples_regime": "",
        "special_regime": "0",
    }
    settings.FATURA_NFSE = {
        **settings.FATURA_NFSE,
        "environment": "2",
        "series": "1",
        "national_code": "010101",
        "municipal_code": "",
        "iss_rate": "5.00",
        "api_url": server.url,
        "cert": str(certs.client_p12),
        "cert_password": certs.client_password,
        "ca": str(certs.ca),
        "timeout": "10",
        "max_attempts": "3",
    }
    try:
        yield server
    finally:
        server.stop()


def billed_invoice(by: Any, *, values: tuple[str, ...] = ("600.00", "400.00")) -> Invoice:
    """A completed invoice whose billed service orders (OS-1, OS-2 ...) add up to its total."""
    customer = CustomerFactory(name="Padaria Central Ltda")
    if not ServiceType.objects.filter(name="Desenvolvimento").exists():
        service_type("Desenvolvimento", national="010101")
    total = sum((Decimal(v) for v in values), Decimal(0))
    bill = invoice(by, customer, amount=str(total))
    for i, value in enumerate(values, start=1):
        billed_order(f"OS-{bill.sequence}-{i}", customer, "Desenvolvimento", value, bill)
    return services.invoice_complete(by=by, number=bill.number)


def xmlsec1_verifies(xml: bytes, element: str, ca: Path, tmp: Path) -> bool:
    """Debian's xmlsec1 checks the signature (and the signer's chain up to ``ca``); where it
    is not installed, the hand checker of :mod:`fatura.fiscal.xmldsig_check` (also not
    signxml)."""
    if shutil.which("xmlsec1") is None:
        verify(xml)
        return True
    path = tmp / "signed.xml"
    path.write_bytes(xml)
    result = subprocess.run(
        [
            "xmlsec1",
            "--verify",
            "--id-attr:Id",
            f"{NFSE_NS}:{element}",
            "--node-xpath",  # the root's signature (an NFS-e also carries its DPS's)
            "/*/*[local-name()='Signature']",
            "--trusted-pem",
            str(ca),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and "OK" in result.stdout + result.stderr
