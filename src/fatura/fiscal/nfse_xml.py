"""Reading national-standard NFS-e XML (Padrão Nacional NFS-e, layout 1.01, namespace
``http://www.sped.fazenda.gov.br/nfse``): the NFS-e document (root ``NFSe``) and the event
documents that cancel one (root ``evento``, or the request ``pedRegEvento``, with ``e101101``
cancellation, ``e105102`` cancellation by substitution or ``e105104`` cancellation granted on
fiscal review).

Every document is checked against the official schemas (the copies nfelib ships) before a
value is read, and parsed safely: no network, no DTD, no entities, no huge trees, and files
over :data:`MAX_XML_BYTES` are refused. Signatures are not verified: the files come from the
issuer's own download of the national environment. Pure, no database.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import as_file, files
from typing import Any

from lxml import etree

from fatura.core.bounds import check_date
from fatura.fiscal.import_rows import RowError, parse_money, parse_rate
from fatura.fiscal.nfse_rows import (
    IncomingCancellation,
    IncomingNfse,
    Origin,
    parse_order_shares,
)

NS = "http://www.sped.fazenda.gov.br/nfse"
N = {"n": NS}
MAX_XML_BYTES = 5 * 1024 * 1024  # an NFS-e is a few kB; anything this big is not one
MAX_SCHEMA_ERRORS = 20
SCHEMAS = "nfelib.nfse.schemas.v1_0"
CANCELLATIONS = {
    "e101101": "cancelamento",
    "e105102": "cancelamento por substituição",
    "e105104": "cancelamento deferido por análise fiscal",
}
_ELEMENT = re.compile(r"Element '(?:\{[^}]*\})?([\w.-]+)'")


@dataclass(frozen=True)
class Ignored:
    """A valid event document that changes nothing here (a manifestation, a request for
    fiscal review ...): read, counted, not stored."""

    origin: Origin
    event: str


XmlDocument = IncomingNfse | IncomingCancellation | Ignored


def looks_like_xml(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


@functools.cache
def _schema(name: str) -> etree.XMLSchema:
    with as_file(files(SCHEMAS) / name) as path:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        return etree.XMLSchema(etree.parse(str(path), parser))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


# Public for the other readers of NFS-e XML (the DANFSe): the same schemas, the same safe parser.
schema = _schema
safe_parser = _parser


def read_xml(name: str, data: bytes) -> tuple[XmlDocument | None, list[RowError]]:
    """One XML file (``name`` is its file or zip-member name, used in every error)."""
    if len(data) > MAX_XML_BYTES:
        limit = MAX_XML_BYTES // (1024 * 1024)
        return None, [
            RowError(1, "file", f"Arquivo grande demais para uma NFS-e (limite {limit} MB).", name)
        ]
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else 1
        return None, [RowError(line or 1, "file", f"XML malformado: {error.msg}.", name)]
    if root.getroottree().docinfo.doctype:
        return None, [RowError(1, "file", "XML com DOCTYPE não é aceito.", name)]
    if etree.QName(root).namespace != NS:
        return None, [
            RowError(
                root.sourceline or 1,
                "file",
                "Não é um documento do padrão nacional da NFS-e (namespace " + NS + ").",
                name,
            )
        ]
    kind = etree.QName(root).localname
    schema_file = {
        "NFSe": "NFSe_v1.01.xsd",
        "evento": "evento_v1.01.xsd",
        "pedRegEvento": "pedRegEvento_v1.01.xsd",
    }.get(kind)
    if schema_file is None:
        what = "uma DPS (a declaração, não a NFS-e gerada)" if kind == "DPS" else f"<{kind}>"
        return None, [
            RowError(
                root.sourceline or 1,
                "file",
                f"O arquivo é {what}; importe a NFS-e (<NFSe>) ou um evento (<evento>).",
                name,
            )
        ]
    errors = _schema_errors(name, root, _schema(schema_file))
    if errors:
        return None, errors
    text = _text(data, root)
    if kind == "NFSe":
        return _nfse(name, root, text)
    return _event(name, root)


def _schema_errors(name: str, root: Any, schema: etree.XMLSchema) -> list[RowError]:
    if schema.validate(root):
        return []
    errors = []
    for entry in list(schema.error_log)[:MAX_SCHEMA_ERRORS]:
        match = _ELEMENT.search(entry.message)
        message = entry.message.replace("{" + NS + "}", "")
        errors.append(
            RowError(
                entry.line or 1,
                match.group(1) if match else "file",
                f"Fora do leiaute nacional 1.01: {message}",
                name,
            )
        )
    return errors


def _text(data: bytes, root: Any) -> str:
    encoding = root.getroottree().docinfo.encoding or "utf-8"
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except (LookupError, UnicodeDecodeError):
        return etree.tostring(root, encoding="unicode")


def _at(element: Any, path: str) -> Any:
    return element.find("/".join(f"n:{step}" for step in path.split("/")), N)


def _value(element: Any, path: str) -> str | None:
    found = _at(element, path)
    return found.text.strip() if found is not None and found.text else None


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)  # the schema requires the offset


def _nfse(name: str, root: Any, text: str) -> tuple[IncomingNfse | None, list[RowError]]:
    inf = _at(root, "infNFSe")
    dps = _at(inf, "DPS/infDPS")
    lines = {
        "number": _at(inf, "nNFSe").sourceline,
        "issued_at": _at(inf, "dhProc").sourceline,
        "value": _at(dps, "valores/vServPrest/vServ").sourceline,
    }
    names = {  # the import's field names -> this document's elements
        "number": "nNFSe",
        "access_key": "Id",
        "issued_at": "dhProc",
        "value": "vServ",
        "customer_document": "toma",
        "iss_rate": "pAliqAplic",
        "iss_amount": "vISSQN",
        "net_value": "vLiq",
        "service_code": "cTribNac",
    }
    errors: list[RowError] = []
    toma = _at(dps, "toma")
    document = None
    if toma is None:
        errors.append(RowError(dps.sourceline, "toma", "A NFS-e não tem tomador.", name))
    else:
        lines["customer_document"] = toma.sourceline
        document = _value(toma, "CNPJ") or _value(toma, "CPF")
        if document is None:
            errors.append(
                RowError(
                    toma.sourceline,
                    "toma",
                    "Tomador sem CNPJ/CPF (do exterior): não importado.",
                    name,
                )
            )
    orders, element, line = _orders(dps)
    serv = _at(dps, "serv")
    lines["service_order_numbers"] = line or serv.sourceline
    names["service_order_numbers"] = element
    parsed_orders: list[tuple[str, Decimal | None]] = []
    if not orders:
        errors.append(
            RowError(
                serv.sourceline,
                "infoCompl",
                "A NFS-e não indica as OS que cobre (serv/infoCompl/gItemPed/xItemPed ou "
                "infoCompl/xPed); sem esse vínculo ela não entra no indicador.",
                name,
            )
        )
    else:
        try:
            parsed_orders = parse_order_shares(";".join(orders))
        except ValueError as error:
            errors.append(RowError(lines["service_order_numbers"], element, str(error), name))
    values = _at(inf, "valores")
    amounts: dict[str, Decimal | None] = {}
    for field, element, read in (
        ("value", "vServ", parse_money),
        ("iss_rate", "pAliqAplic", parse_rate),
        ("iss_amount", "vISSQN", parse_money),
        ("net_value", "vLiq", parse_money),
    ):
        raw = (
            _value(dps, "valores/vServPrest/vServ") if field == "value" else _value(values, element)
        )
        try:
            amounts[field] = read(raw) if raw is not None else None
        except ValueError as error:
            errors.append(RowError(inf.sourceline, element, str(error), name))
    issued_at = _moment(_value(inf, "dhProc") or "")
    try:
        check_date(issued_at.date())
    except ValueError as error:
        errors.append(RowError(inf.sourceline, "dhProc", str(error), name))
    if errors or document is None:
        return None, errors
    key = inf.get("Id")[3:]  # "NFS" + the 50-digit access key
    origin = Origin(line=inf.sourceline, file=name, names=names, lines=lines)
    return (
        IncomingNfse(
            origin=origin,
            number=_value(inf, "nNFSe") or "",
            issued_at=issued_at,
            value=amounts["value"] or Decimal("0.00"),
            customer_document=document,
            orders=parsed_orders,
            status=None,
            access_key=key,
            iss_rate=amounts["iss_rate"],
            iss_amount=amounts["iss_amount"],
            net_value=amounts["net_value"],
            service_code=_value(dps, "serv/cServ/cTribNac") or "",
            substitutes_key=_value(dps, "subst/chSubstda"),
            xml=text,
        ),
        [],
    )


def _orders(dps: Any) -> tuple[list[str], str, int | None]:
    """The order numbers the DPS names: one per ``gItemPed/xItemPed``, else ``xPed`` split by
    ``;`` (by the caller). Returns them, the element read and its line."""
    compl = _at(dps, "serv/infoCompl")
    if compl is None:
        return [], "infoCompl", None
    items = compl.findall("n:gItemPed/n:xItemPed", N)
    numbers = [item.text.strip() for item in items if item.text and item.text.strip()]
    if numbers:
        return numbers, "xItemPed", items[0].sourceline
    ped = _at(compl, "xPed")
    if ped is not None and ped.text and ped.text.strip():
        return [ped.text.strip()], "xPed", ped.sourceline
    return [], "infoCompl", compl.sourceline


def _event(name: str, root: Any) -> tuple[XmlDocument | None, list[RowError]]:
    registered = etree.QName(root).localname == "evento"
    inf_evento = _at(root, "infEvento") if registered else None
    request = _at(inf_evento, "pedRegEvento") if inf_evento is not None else root
    inf = _at(request, "infPedReg")
    detail = next(
        child
        for child in inf.iterchildren()
        if isinstance(child.tag, str) and re.fullmatch(r"e\d{6}", etree.QName(child).localname)
    )
    event = etree.QName(detail).localname
    origin = Origin(
        line=detail.sourceline,
        file=name,
        names={"access_key": "chNFSe", "substitute_key": "chSubstituta"},
        lines={"access_key": _at(inf, "chNFSe").sourceline},
    )
    if event not in CANCELLATIONS:
        return Ignored(origin, event), []
    # the registration time (dhProc) when this is the registered event, else the request's
    when = _value(inf_evento, "dhProc") if inf_evento is not None else None
    return (
        IncomingCancellation(
            origin=origin,
            event=event,
            access_key=_value(inf, "chNFSe") or "",
            cancelled_at=_moment(when or _value(inf, "dhEvento") or ""),
            replaced=event == "e105102",
            substitute_key=_value(detail, "chSubstituta"),
        ),
        [],
    )
