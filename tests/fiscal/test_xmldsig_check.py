"""The hand XML-DSig checker the contract server relies on: it accepts what signxml signs
and what xmlsec1 accepts, and refuses a changed document, a changed signature, a reference
to something else than a child of the root (signature wrapping), two signatures, and
transforms outside the national layout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from fatura.fiscal.dps import DpsData, Provider, Taker, render_dps
from fatura.fiscal.nfse_sign import A1Signer
from fatura.fiscal.xmldsig_check import SignatureInvalid, verify
from tests.fiscal.nfse_contract import certs

__all__ = ["certs"]
DS = "http://www.w3.org/2000/09/xmldsig#"


def _signed(certs: Any) -> bytes:
    data = DpsData(
        provider=Provider(document="11222333000181", municipality="3550308"),
        taker=Taker(document="12345678000195", name="Cliente Ltda"),
        series="1",
        number=7,
        issued_at=dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
        competence=dt.date(2026, 12, 1),
        national_code="010101",
        description="Serviço",
        service_value=Decimal("100.00"),
        order_items=("OS-1",),
        order_reference="FAT-1",
    )
    return render_dps(data, signer=A1Signer(certs.client()))


def test_accepts_the_signed_dps_and_names_the_signer(certs: Any) -> None:
    assert "11222333000181" in verify(_signed(certs)).subject.rfc4514_string()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda x: x.replace(b"<vServ>100.00</vServ>", b"<vServ>10.00</vServ>"), "DigestValue"),
        (lambda x: x.replace(b"<SignatureValue>", b"<SignatureValue>AAAA"), "SignatureValue"),
        (
            lambda x: x.replace(
                b'xml-c14n-20010315"/></Transforms>', b'xml-c14n11"/></Transforms>'
            ),
            "Transforma",
        ),
    ],
)
def test_refuses_a_changed_document_or_signature(certs: Any, change: Any, reason: str) -> None:
    changed = change(_signed(certs))
    with pytest.raises(SignatureInvalid, match=reason):
        verify(changed)


def test_refuses_a_wrapped_reference_and_two_signatures(certs: Any) -> None:
    root = etree.fromstring(_signed(certs))
    inf = root[0]
    wrapper = etree.SubElement(root, "{http://www.sped.fazenda.gov.br/nfse}infDPS")
    wrapper.set("Id", inf.get("Id"))  # a second element with the signed Id
    with pytest.raises(SignatureInvalid, match="único"):
        verify(etree.tostring(root))
    root.remove(wrapper)
    root.append(etree.fromstring(etree.tostring(root.find(f"{{{DS}}}Signature"))))
    with pytest.raises(SignatureInvalid, match="uma assinatura"):
        verify(etree.tostring(root))


def test_unsigned_is_refused() -> None:
    with pytest.raises(SignatureInvalid):
        verify(b'<DPS xmlns="http://www.sped.fazenda.gov.br/nfse"><infDPS Id="x"/></DPS>')
