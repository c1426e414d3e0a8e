"""Reading national-standard NFS-e XML: values read exactly, the official schema's verdict, and
the safe parser. Pure: no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from fatura.fiscal.nfse_rows import IncomingCancellation, IncomingNfse
from fatura.fiscal.nfse_xml import MAX_XML_BYTES, Ignored, read_xml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nfse"
REPO = Path(__file__).resolve().parents[2]
SHARED_XSD = REPO.parent / "shared" / "data" / "nfse" / "xsd-1.01"
KEY_101 = "42024042200000000000000000000000010126031234561011"
KEY_102 = "42024042200000000000000000000000010226031234561022"
KEY_103 = "42024042200000000000000000000000010326031234561033"
BRT = dt.timezone(dt.timedelta(hours=-3))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("nfse-101.xml", "NFSe_v1.01.xsd"),
        ("nfse-102.xml", "NFSe_v1.01.xsd"),
        ("nfse-103.xml", "NFSe_v1.01.xsd"),
        ("evento-e101101-nfse-103.xml", "evento_v1.01.xsd"),
        ("evento-e105102-nfse-101.xml", "evento_v1.01.xsd"),
    ],
)
def test_fixtures_are_valid_against_the_official_schemas(name: str, schema: str) -> None:
    if not SHARED_XSD.exists():
        pytest.skip("../shared/data/nfse is not beside the repository")
    xsd = etree.XMLSchema(etree.parse(str(SHARED_XSD / schema)))
    assert xsd.validate(etree.parse(str(FIXTURES / name))), xsd.error_log


def test_nfse_values_are_read_exactly() -> None:
    document, errors = read_xml("nfse-101.xml", fixture("nfse-101.xml"))
    assert errors == []
    assert isinstance(document, IncomingNfse)
    assert document.number == "101"
    assert document.access_key == KEY_101  # the Id without "NFS"
    assert document.issued_at == dt.datetime(2026, 3, 10, 10, 0, 5, tzinfo=BRT)  # dhProc
    assert document.value == Decimal("1000.00")  # DPS vServ
    assert document.iss_rate == Decimal("2.00")
    assert document.iss_amount == Decimal("20.00")
    assert document.net_value == Decimal("980.00")
    assert document.service_code == "010101"
    assert document.customer_document == "11222333000181"
    assert document.orders == [("OS-1001", None), ("OS-1002", None)]
    assert document.status is None  # the document does not say; events do
    assert document.verification_code == ""  # the national NFS-e has none: the key is it
    assert document.xml.startswith('<?xml version="1.0" encoding="utf-8"?>\n<NFSe versao="1.01"')
    assert document.origin.file == "nfse-101.xml"


def test_orders_fall_back_to_xped_split_by_semicolon() -> None:
    document, errors = read_xml("nfse-102.xml", fixture("nfse-102.xml"))
    assert errors == []
    assert isinstance(document, IncomingNfse)
    assert document.orders == [("OS-1001", None), ("OS-1002", None)]
    assert (document.iss_rate, document.iss_amount) == (Decimal("5.00"), Decimal("50.00"))


def test_absent_iss_group_reads_as_empty() -> None:
    document, _ = read_xml("nfse-103.xml", fixture("nfse-103.xml"))
    assert isinstance(document, IncomingNfse)
    assert (document.iss_rate, document.iss_amount) == (None, None)
    assert (document.value, document.net_value) == (Decimal("250.00"), Decimal("250.00"))
    assert document.service_code == "010701"


def test_shares_may_be_written_in_the_order_items() -> None:
    data = (
        fixture("nfse-101.xml")
        .replace(b"<xItemPed>OS-1001</xItemPed>", b"<xItemPed>OS-1001=700,00</xItemPed>")
        .replace(b"<xItemPed>OS-1002</xItemPed>", b"<xItemPed>OS-1002=300,00</xItemPed>")
    )
    document, errors = read_xml("n.xml", data)
    assert errors == []
    assert isinstance(document, IncomingNfse)
    assert document.orders == [("OS-1001", Decimal("700.00")), ("OS-1002", Decimal("300.00"))]


def test_nfse_without_orders_is_refused_naming_the_file() -> None:
    text = fixture("nfse-103.xml").decode()
    start, end = text.index("\t\t\t\t\t<infoCompl>"), text.index("</infoCompl>\n") + 13
    document, errors = read_xml("sem-os.xml", (text[:start] + text[end:]).encode())
    assert document is None
    assert len(errors) == 1
    assert errors[0].file == "sem-os.xml"
    assert errors[0].field == "infoCompl"
    assert "não indica as OS" in errors[0].message


def test_bad_ctribnac_is_refused_with_the_schema_message_and_line() -> None:
    data = fixture("nfse-101.xml").replace(b"<cTribNac>010101", b"<cTribNac>01.01")
    document, errors = read_xml("ruim.xml", data)
    assert document is None
    assert [(e.file, e.line, e.field) for e in errors] == [("ruim.xml", 98, "cTribNac")]
    assert errors[0].message == (
        "Fora do leiaute nacional 1.01: Element 'cTribNac': [facet 'pattern'] The value "
        "'01.01' is not accepted by the pattern '[0-9]{6}'."
    )


def test_truncated_xml_is_refused_with_its_line() -> None:
    data = fixture("nfse-101.xml")[:2000]
    document, errors = read_xml("cortado.xml", data)
    assert document is None
    assert len(errors) == 1
    assert errors[0].file == "cortado.xml"
    assert errors[0].message.startswith("XML malformado:")
    assert errors[0].line == data.count(b"\n") + 1


def test_entities_and_doctype_are_refused() -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE NFSe [<!ENTITY x "xxxxxxxxxx">]>\n'
        b'<NFSe xmlns="http://www.sped.fazenda.gov.br/nfse">&x;</NFSe>'
    )
    document, errors = read_xml("doctype.xml", data)
    assert document is None
    assert errors[0].message == "XML com DOCTYPE não é aceito."


def test_external_entities_are_not_fetched() -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE NFSe [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b'<NFSe xmlns="http://www.sped.fazenda.gov.br/nfse"><a>&x;</a></NFSe>'
    )
    document, errors = read_xml("xxe.xml", data)
    assert document is None
    assert "root:" not in errors[0].message
    assert errors[0].message == "XML com DOCTYPE não é aceito."


def test_huge_files_are_refused_clearly() -> None:
    data = b"<NFSe>" + b" " * MAX_XML_BYTES + b"</NFSe>"
    document, errors = read_xml("enorme.xml", data)
    assert document is None
    assert errors[0].message == "Arquivo grande demais para uma NFS-e (limite 5 MB)."


def test_other_documents_are_refused() -> None:
    dps = Path(REPO.parent / "shared" / "data" / "nfse" / "samples" / "dps-simples.xml")
    if dps.exists():
        _, errors = read_xml("dps.xml", dps.read_bytes())
        assert "uma DPS" in errors[0].message
    _, errors = read_xml("outro.xml", b"<nota><numero>1</numero></nota>")
    assert errors[0].message.startswith("Não é um documento do padrão nacional da NFS-e")


def test_cancellation_event() -> None:
    document, errors = read_xml("e.xml", fixture("evento-e101101-nfse-103.xml"))
    assert errors == []
    assert isinstance(document, IncomingCancellation)
    assert document.event == "e101101"
    assert document.access_key == KEY_103
    assert document.replaced is False
    assert document.substitute_key is None
    # the registration time (infEvento/dhProc), not the request's dhEvento
    assert document.cancelled_at == dt.datetime(2026, 3, 20, 9, 15, 2, tzinfo=BRT)


def test_cancellation_by_substitution_event() -> None:
    document, errors = read_xml("e.xml", fixture("evento-e105102-nfse-101.xml"))
    assert errors == []
    assert isinstance(document, IncomingCancellation)
    assert (document.event, document.access_key) == ("e105102", KEY_101)
    assert document.replaced is True
    assert document.substitute_key == KEY_102
    assert document.cancelled_at == dt.datetime(2026, 3, 12, 14, 30, 1, tzinfo=BRT)


def _request_only(event_file: str) -> bytes:
    """The event's pedRegEvento as a document of its own (no registration, no dhProc)."""
    root = etree.fromstring(fixture(event_file))
    request = root.find("{*}infEvento/{*}pedRegEvento")
    assert request is not None
    return etree.tostring(request, xml_declaration=True, encoding="utf-8")


def test_a_request_document_uses_its_event_time() -> None:
    document, errors = read_xml("pedido.xml", _request_only("evento-e101101-nfse-103.xml"))
    assert errors == []
    assert isinstance(document, IncomingCancellation)
    assert document.cancelled_at == dt.datetime(2026, 3, 20, 9, 15, 0, tzinfo=BRT)


def test_events_that_cancel_nothing_are_ignored() -> None:
    data = (
        fixture("evento-e101101-nfse-103.xml")
        .replace(b"101101001", b"203202001")
        .replace(b'101101">', b'203202">')
        .replace(
            b"<e101101>\n\t\t\t\t\t<xDesc>Cancelamento de NFS-e</xDesc>\n\t\t\t\t\t<cMotivo>2"
            b"</cMotivo>\n\t\t\t\t\t<xMotivo>Servi\xc3\xa7o n\xc3\xa3o prestado: visita "
            b"t\xc3\xa9cnica desmarcada</xMotivo>\n\t\t\t\t</e101101>",
            "<e203202><xDesc>Manifestação de NFS-e - Confirmação do Tomador</xDesc>"
            "</e203202>".encode(),
        )
    )
    document, errors = read_xml("confirmacao.xml", data)
    assert errors == []
    assert isinstance(document, Ignored)
    assert document.event == "e203202"


def test_cancellation_granted_on_fiscal_review_cancels() -> None:
    detail = (
        "<e105104><xDesc>Cancelamento de NFS-e Deferido por Análise Fiscal</xDesc>"
        "<CPFAgTrib>12345678909</CPFAgTrib><cMotivo>1</cMotivo>"
        "<xMotivo>Deferido: serviço comprovadamente não prestado</xMotivo></e105104>"
    )
    text = fixture("evento-e101101-nfse-103.xml").decode()
    start, end = text.index("<e101101>"), text.index("</e101101>") + len("</e101101>")
    text = (text[:start] + detail + text[end:]).replace("101101001", "105104001")
    text = text.replace('101101">', '105104">')
    document, errors = read_xml("deferido.xml", text.encode())
    assert errors == []
    assert isinstance(document, IncomingCancellation)
    assert (document.event, document.access_key, document.replaced) == (
        "e105104",
        KEY_103,
        False,
    )
