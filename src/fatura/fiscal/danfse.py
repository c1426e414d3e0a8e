"""The DANFSe (Documento Auxiliar da NFS-e): the PDF of an authorized national-standard NFS-e,
drawn from its XML by brazilfiscalreport's DANFSe (the national layout v2.0 of NT 008: header
with the municipality and environment, access key and the QR code of the national portal's
public consultation, prestador, tomador, serviço, ISSQN, federal retentions, IBS/CBS, totals,
informações complementares). Decision 0039.

The XML is checked here before the library reads it: bounded size, parsed safely (no network,
no DTD, no entities), an ``<NFSe>`` of the national namespace valid against the official 1.01
schema. A cancelled or replaced NFS-e is drawn with the watermark the layout requires. Pure:
bytes in, bytes out, no database.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from lxml import etree

from fatura.core.errors import InvalidInput
from fatura.fiscal import nfse_xml

MAX_XML_BYTES = nfse_xml.MAX_XML_BYTES
PORTAL_URL = "https://www.nfse.gov.br/ConsultaPublica/?tpc=1&chave={key}"


class Watermark(Enum):
    NONE = ""
    CANCELLED = "cancelled"
    REPLACED = "replaced"


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": "xml", "message": message}])


def checked_nfse(data: bytes) -> Any:
    """The ``<NFSe>`` root of ``data`` once it is bounded, well formed and schema-valid;
    :class:`InvalidInput` (with the first schema errors) otherwise."""
    if not data:
        raise _refuse("A NFS-e não tem XML autorizado.")
    if len(data) > MAX_XML_BYTES:
        raise _refuse(
            f"XML grande demais para uma NFS-e (limite {MAX_XML_BYTES // (1024 * 1024)} MB)."
        )
    try:
        root = etree.fromstring(data, nfse_xml.safe_parser())
    except etree.XMLSyntaxError as error:
        raise _refuse(f"XML da NFS-e malformado: {error.msg}.") from None
    if root.getroottree().docinfo.doctype:
        raise _refuse("XML com DOCTYPE não é aceito.")
    if etree.QName(root).namespace != nfse_xml.NS or etree.QName(root).localname != "NFSe":
        raise _refuse("O XML não é uma NFS-e do padrão nacional (<NFSe>, layout 1.01).")
    schema = nfse_xml.schema("NFSe_v1.01.xsd")
    if not schema.validate(root):
        first = "; ".join(
            entry.message.replace("{" + nfse_xml.NS + "}", "")
            for entry in list(schema.error_log)[:3]
        )
        raise _refuse(f"NFS-e fora do leiaute nacional 1.01: {first}")
    return root


def access_key(data: bytes) -> str:
    """The 50-digit access key of a (checked) NFS-e XML: its ``infNFSe/@Id`` without "NFS"."""
    root = checked_nfse(data)
    return str(root.find(f"{{{nfse_xml.NS}}}infNFSe").get("Id"))[3:]


def consultation_url(key: str) -> str:
    """The national portal's public consultation of an NFS-e: what the DANFSe's QR code holds."""
    return PORTAL_URL.format(key=key)


def danfse_pdf(data: bytes, *, watermark: Watermark = Watermark.NONE) -> bytes:
    """The DANFSe of the authorized NFS-e XML ``data`` (A4, one page)."""
    checked_nfse(data)
    # Imported here: fpdf2 and its fonts load only when a DANFSe is drawn, not at start-up.
    from brazilfiscalreport.danfse import Danfse, DanfseConfig

    config = DanfseConfig(
        watermark_cancelled=watermark is Watermark.CANCELLED,
        watermark_replaced=watermark is Watermark.REPLACED,
    )
    document = Danfse(xml=data, config=config)
    document.set_creator("Fatura")
    return bytes(document.output())
