"""The DPS of the Padrão Nacional NFS-e (layout 1.01) generated from invoices and NFS-e:
valid against nfelib's XSD and the official copy, field by field, and refused with the
schema's own message when a field is malformed."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from importlib.resources import files
from typing import Any

import pytest

from fatura.core.documents import cpf_with_check_digits
from fatura.core.errors import InvalidInput, RuleViolation
from fatura.fiscal.dps import (
    DESCRIPTION_MAX,
    DpsData,
    Provider,
    Taker,
    declared_iss_rate,
    dps_xml,
    fit_description,
    render_dps,
    validate_dps,
)
from fatura.fiscal.dps_source import dps_from_invoice, invoice_dps_xml, nfse_dps_xml, taker_of
from tests.factories import CustomerFactory
from tests.fiscal.dps_builders import (
    OFFICIAL_XSD,
    billed_order,
    invoice,
    nfse,
    official_errors,
    read,
    service_type,
    text,
)
from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]

NS_DS = "http://www.w3.org/2000/09/xmldsig#"
# 2026-03-10 13:00 UTC is 10:00 in São Paulo (UTC-3, no daylight saving since 2019)
ISSUED = dt.datetime(2026, 3, 10, 13, 0, 0, 123456, tzinfo=dt.UTC)
PROVIDER_CNPJ = "11222333000181"  # settings' "11.222.333/0001-81", digits only


@pytest.fixture(autouse=True)
def company(settings: Any) -> None:
    settings.FATURA_COMPANY = {
        **settings.FATURA_COMPANY,
        "document": "11.222.333/0001-81",
        "municipality_code": "3550308",
        "municipal_registration": "1.234.567-8",
        "simples_nacional": "1",
        "simples_regime": "",
        "special_regime": "0",
    }
    settings.FATURA_NFSE = {
        "environment": "2",
        "series": "1",
        "national_code": "010101",
        "municipal_code": "",
        "iss_rate": "5.00",
        "approximate_taxes": "",
        "approximate_taxes_simples": "",
    }


def assert_official_schema_accepts(xml: bytes) -> None:
    if not OFFICIAL_XSD.exists():
        pytest.skip(f"official NFS-e 1.01 XSD not found at {OFFICIAL_XSD} (../shared/data/nfse)")
    assert official_errors(xml) == []


def test_invoice_dps_is_valid_and_carries_the_invoice(fin_user: Any) -> None:
    customer = CustomerFactory(name="Padaria Central Ltda", email="nf@padaria.example")
    service_type("Desenvolvimento", national="010101", municipal="002", rate="2.90")
    bill = invoice(fin_user, customer, amount="1500.00")
    billed_order("OS-2", customer, "Desenvolvimento", "500.00", bill)
    billed_order("OS-1", customer, "Desenvolvimento", "1000.00", bill)

    xml = invoice_dps_xml(bill, number=42, issued_at=ISSUED)

    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    validate_dps(xml)  # nfelib's copy of the XSD
    assert_official_schema_accepts(xml)
    root = read(xml)
    assert root.get("versao") == "1.01"
    inf = root.find("{http://www.sped.fazenda.gov.br/nfse}infDPS")
    # DPS + São Paulo + 2 (CNPJ) + CNPJ + series 00001 + number 42 on 15 digits
    assert inf.get("Id") == "DPS3550308211222333000181" + "00001" + "000000000000042"
    assert len(inf.get("Id")) == 45
    assert text(root, "tpAmb") == "2"
    assert text(root, "dhEmi") == "2026-03-10T10:00:00-03:00"
    assert text(root, "serie") == "1"
    assert text(root, "nDPS") == "42"
    assert text(root, "dCompet") == "2026-03-01"  # the invoice's reference month
    assert text(root, "tpEmit") == "1"
    assert text(root, "cLocEmi") == "3550308"
    assert text(root, "prest/CNPJ") == PROVIDER_CNPJ
    assert text(root, "prest/IM") == "12345678"
    assert text(root, "prest/xNome") is None  # the Sefin refuses it when the provider emits
    assert text(root, "prest/regTrib/opSimpNac") == "1"
    assert text(root, "prest/regTrib/regEspTrib") == "0"
    assert text(root, "toma/CNPJ") == customer.document
    assert text(root, "toma/CPF") is None
    assert text(root, "toma/xNome") == "Padaria Central Ltda"
    assert text(root, "toma/email") == "nf@padaria.example"
    assert text(root, "serv/locPrest/cLocPrestacao") == "3550308"
    assert text(root, "serv/cServ/cTribNac") == "010101"
    assert text(root, "serv/cServ/cTribMun") == "002"
    assert text(root, "serv/cServ/xDescServ") == "Desenvolvimento de sistemas"
    assert text(root, "serv/infoCompl/xPed") == bill.number
    items = root.findall(".//{http://www.sped.fazenda.gov.br/nfse}xItemPed")
    assert [item.text for item in items] == ["OS-1", "OS-2"]
    assert text(root, "valores/vServPrest/vServ") == "1500.00"
    assert text(root, "valores/trib/tribMun/tribISSQN") == "1"
    assert text(root, "valores/trib/tribMun/tpRetISSQN") == "1"
    assert text(root, "valores/trib/tribMun/pAliq") is None  # não optante: the city's rate
    assert text(root, "valores/trib/totTrib/indTotTrib") == "0"


def test_dps_number_defaults_to_the_invoice_sequence(fin_user: Any) -> None:
    bill = invoice(fin_user, CustomerFactory(), amount="80.00")

    data = dps_from_invoice(bill, issued_at=ISSUED)

    assert data.number == bill.sequence
    assert data.id.endswith(f"00001{bill.sequence:015d}")
    assert data.national_code == "010101"  # the settings' default (no service type)
    # no service orders, no infoCompl: the NFS-e import would take an xPed for an order number
    assert (data.order_reference, data.order_items) == ("", ())
    assert text(read(render_dps(data)), "serv/infoCompl") is None


def test_nfse_dps_is_valid_and_lists_the_covered_orders(fin_user: Any) -> None:
    customer = CustomerFactory()
    service_type("Suporte", national="010701", rate="2.00")
    third = billed_order("OS-3", customer, "Suporte", "300.00")
    first = billed_order("OS-1", customer, "Suporte", "700.00")
    note = nfse("123", customer, {third: "300.00", first: "700.00"}, service_code="010701")

    xml = nfse_dps_xml(note)

    validate_dps(xml)
    assert_official_schema_accepts(xml)
    root = read(xml)
    assert text(root, "nDPS") == "123"
    assert text(root, "dhEmi") == "2026-04-02T12:30:00-03:00"
    assert text(root, "dCompet") == "2026-04-02"
    assert text(root, "serv/cServ/cTribNac") == "010701"
    assert text(root, "serv/cServ/cTribMun") is None
    assert text(root, "serv/cServ/xDescServ") == "Suporte: serviço conforme contrato"
    assert text(root, "serv/infoCompl/xPed") == "OS-1"  # no invoice: the first order
    items = root.findall(".//{http://www.sped.fazenda.gov.br/nfse}xItemPed")
    assert [item.text for item in items] == ["OS-1", "OS-3"]
    assert text(root, "valores/vServPrest/vServ") == "1000.00"


def test_malformed_national_code_is_refused_with_the_schema_message(fin_user: Any) -> None:
    customer = CustomerFactory()
    service_type("Consultoria", national="14.01")
    bill = invoice(fin_user, customer, amount="10.00")
    billed_order("OS-9", customer, "Consultoria", "10.00", bill)

    with pytest.raises(InvalidInput) as refused:
        invoice_dps_xml(bill, issued_at=ISSUED)

    assert "cTribNac" in refused.value.message
    assert "'14.01' is not accepted by the pattern '[0-9]{6}'" in refused.value.message
    fields = {error["field"] for error in refused.value.errors}
    assert fields == {"cTribNac"}
    # compact XML: the declaration, then the whole document on line 2
    assert all(error["line"] == 2 for error in refused.value.errors)


def test_cpf_taker(fin_user: Any) -> None:
    cpf = cpf_with_check_digits("123456789")
    person = CustomerFactory(name="Maria Souza", document=cpf, document_type="CPF", email="")
    bill = invoice(fin_user, person, amount="250.50")

    xml = invoice_dps_xml(bill, number=7, issued_at=ISSUED)

    assert_official_schema_accepts(xml)
    root = read(xml)
    assert text(root, "toma/CPF") == "12345678909"
    assert text(root, "toma/CNPJ") is None
    assert text(root, "toma/email") is None
    assert text(root, "valores/vServPrest/vServ") == "250.50"
    # the Id names the provider (CNPJ), never the taker
    assert read(xml)[0].get("Id")[10:25] == "2" + PROVIDER_CNPJ


def test_simples_nacional_provider_declares_rate_and_simples_percentage(
    fin_user: Any, settings: Any
) -> None:
    settings.FATURA_COMPANY = {**settings.FATURA_COMPANY, "simples_nacional": "3"}
    settings.FATURA_COMPANY["simples_regime"] = "1"
    settings.FATURA_NFSE = {**settings.FATURA_NFSE, "approximate_taxes_simples": "6,00"}
    customer = CustomerFactory()
    service_type("Desenvolvimento", national="010101", rate="2.90")
    bill = invoice(fin_user, customer, amount="100.00")
    billed_order("OS-1", customer, "Desenvolvimento", "100.00", bill)

    xml = invoice_dps_xml(bill, issued_at=ISSUED)

    assert_official_schema_accepts(xml)
    root = read(xml)
    assert text(root, "prest/regTrib/opSimpNac") == "3"
    assert text(root, "prest/regTrib/regApTribSN") == "1"
    assert text(root, "valores/trib/tribMun/pAliq") == "2.90"
    assert text(root, "valores/trib/totTrib/pTotTribSN") == "6.00"
    assert text(root, "valores/trib/totTrib/indTotTrib") is None


def test_rate_is_declared_only_by_an_me_epp_without_special_regime() -> None:
    rate = Decimal("2.90")
    me_epp = Provider(document=PROVIDER_CNPJ, municipality="3550308", simples_nacional=3)

    assert declared_iss_rate(me_epp, rate) == rate
    assert declared_iss_rate(replace(me_epp, special_regime=6), rate) is None  # E0604
    assert declared_iss_rate(replace(me_epp, simples_nacional=1), rate) is None
    assert declared_iss_rate(replace(me_epp, simples_nacional=2), rate) is None


def test_taker_email_over_80_characters_is_left_out() -> None:
    long = CustomerFactory.build(email="financeiro." + "x" * 60 + "@cliente.example")
    short = CustomerFactory.build(email="nf@cliente.example")

    assert len(long.email) == 87
    assert taker_of(long).email == ""
    assert taker_of(short).email == "nf@cliente.example"


def test_approximate_taxes_by_sphere(fin_user: Any, settings: Any) -> None:
    settings.FATURA_NFSE = {**settings.FATURA_NFSE, "approximate_taxes": "13.45;0;2.9"}
    bill = invoice(fin_user, CustomerFactory(), amount="100.00")

    root = read(invoice_dps_xml(bill, issued_at=ISSUED))

    assert text(root, "valores/trib/totTrib/pTotTrib/pTotTribFed") == "13.45"
    assert text(root, "valores/trib/totTrib/pTotTrib/pTotTribEst") == "0.00"
    assert text(root, "valores/trib/totTrib/pTotTrib/pTotTribMun") == "2.90"


def test_orders_of_different_service_codes_are_refused(fin_user: Any) -> None:
    customer = CustomerFactory()
    service_type("Desenvolvimento", national="010101")
    service_type("Suporte", national="010701")
    bill = invoice(fin_user, customer, amount="200.00")
    billed_order("OS-1", customer, "Desenvolvimento", "100.00", bill)
    billed_order("OS-2", customer, "Suporte", "100.00", bill)

    with pytest.raises(InvalidInput) as refused:
        dps_from_invoice(bill, issued_at=ISSUED)

    assert [e["message"][:4] for e in refused.value.errors] == ["OS-1", "OS-2"]


def test_proforma_gives_no_dps(fin_user: Any) -> None:
    quote = invoice(fin_user, CustomerFactory(), amount="10.00", kind="proforma")

    with pytest.raises(RuleViolation):
        dps_from_invoice(quote, issued_at=ISSUED)


def _data(**changes: Any) -> DpsData:
    fields: dict[str, Any] = {
        "provider": Provider(document=PROVIDER_CNPJ, municipality="3550308"),
        "taker": Taker(document="12345678909", name="Maria"),
        "series": "900",
        "number": 6,
        "issued_at": dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
        "competence": dt.date(2026, 1, 5),
        "national_code": "010101",
        "description": "Serviço",
        "service_value": Decimal("0.5"),
    } | changes
    return DpsData(**fields)


def test_values_are_written_with_two_places() -> None:
    root = read(render_dps(_data(service_value=Decimal("1234.5"))))

    assert text(root, "valores/vServPrest/vServ") == "1234.50"
    assert root[0].get("Id") == "DPS3550308211222333000181" + "00900" + "000000000000006"


def test_long_description_is_cut_with_an_ellipsis() -> None:
    long = "Análise e desenvolvimento de sistemas. " * 60  # 2,340 characters

    cut = fit_description(long)
    xml = render_dps(_data(description=long))

    # 1,997 characters leave room for "...": 51 whole sentences (1,989) and "Análise ", whose
    # trailing space goes
    assert len(cut) == 1999 <= DESCRIPTION_MAX
    assert cut.endswith("sistemas. Análise...")
    assert text(read(xml), "serv/cServ/xDescServ") == cut


def test_more_than_99_orders_are_refused() -> None:
    orders = tuple(f"OS-{n}" for n in range(100))

    with pytest.raises(InvalidInput, match="99"):
        dps_xml(_data(order_items=orders))
    assert render_dps(_data(order_items=orders[:99]))  # 99 fit


def test_naive_issue_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        dps_xml(_data(issued_at=dt.datetime(2026, 1, 5, 9, 0)))


class _BrokenSigner:
    """Appends an empty ds:Signature, which the schema refuses (SignedInfo is required)."""

    def sign(self, xml: bytes) -> bytes:
        return xml.replace(b"</DPS>", f'<Signature xmlns="{NS_DS}"/></DPS>'.encode())


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def sign(self, xml: bytes) -> bytes:
        self.seen.append(xml)
        return xml


def test_signer_gets_the_valid_dps_and_its_output_is_validated() -> None:
    recorder = _Recorder()

    xml = render_dps(_data(), signer=recorder)

    assert recorder.seen == [xml]
    with pytest.raises(InvalidInput) as refused:
        render_dps(_data(), signer=_BrokenSigner())
    assert refused.value.errors[0]["field"] == "Signature"


def test_shipped_sample_is_valid() -> None:
    sample = files("nfelib.nfse") / "samples" / "v1_0" / "dps-simples.xml"

    validate_dps(sample.read_bytes())


def test_malformed_xml_is_refused_with_its_line() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_dps(b"<?xml version='1.0'?>\n<DPS>\n<infDPS>\n</DPS>")

    assert refused.value.errors[0]["line"] == 4
