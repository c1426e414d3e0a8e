"""The DPS (Declaração de Prestação de Serviço) of the Padrão Nacional NFS-e, layout 1.01.

:class:`DpsData` holds what one DPS says, already decided (no ORM, no settings);
:func:`render_dps` writes it as XML, validates it against the official XSD shipped by nfelib
and hands it to a :class:`Signer`. Where the data comes from: ``fiscal.dps_source``; the
fields, settings and the signing extension point: docs/nfse-dps.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.resources import as_file, files
from typing import Any, Protocol

from lxml import etree

from fatura import __version__
from fatura.core.errors import InvalidInput
from fatura.core.money import to_money

NAMESPACE = "http://www.sped.fazenda.gov.br/nfse"
LAYOUT_VERSION = "1.01"
DESCRIPTION_MAX = 2000  # xDescServ (TSDesc2000)
ELLIPSIS = "..."  # ASCII: most DPS text types only take Latin-1 ([!-ÿ])
MAX_ORDER_ITEMS = 99  # gItemPed/xItemPed maxOccurs
APP_VERSION = f"Fatura {__version__}"[:20]  # verAplic (TSVerAplic, max 20)

# Simples Nacional situation (opSimpNac)
NAO_OPTANTE, MEI, ME_EPP = 1, 2, 3
TRIB_ISSQN_TAXABLE = "1"  # tribISSQN: operação tributável
RET_ISSQN_NOT_WITHHELD = "1"  # tpRetISSQN: não retido
RET_ISSQN_BY_TAKER = "2"  # tpRetISSQN: retido pelo tomador
CST_BASIC_RATE = "01"  # piscofins/CST: operação tributável com alíquota básica
# tpRetPisCofins by which of (PIS, COFINS, CSLL) the taker withholds (TSTipoRetPISCofins)
RET_PIS_COFINS = {
    (False, False, False): "0",
    (True, True, True): "3",
    (True, True, False): "4",
    (True, False, False): "5",
    (False, True, False): "6",
    (False, True, True): "7",
    (False, False, True): "8",
    (True, False, True): "9",
}
EMITTER_PROVIDER = "1"  # tpEmit: the provider issues its own DPS


@dataclass(frozen=True)
class Provider:
    """The prestador: the company running Fatura. Its name and address are not written: the
    Sefin Nacional takes them from its registry and refuses them when the provider is the
    emitter (rejection E0121)."""

    document: str  # CNPJ, 14 digits (or CPF, 11)
    municipality: str  # IBGE code, 7 digits: cLocEmi and cLocPrestacao
    municipal_registration: str = ""  # IM, left out when blank
    simples_nacional: int = NAO_OPTANTE  # opSimpNac
    simples_regime: str = ""  # regApTribSN (ME/EPP only), left out when blank
    special_regime: int = 0  # regEspTrib: 0 = nenhum


@dataclass(frozen=True)
class Taker:
    """The tomador: CPF (11 digits) or CNPJ (14 digits), name, optional e-mail."""

    document: str
    name: str
    email: str = ""

    @property
    def document_tag(self) -> str:
        return "CPF" if len(self.document) == 11 else "CNPJ"


@dataclass(frozen=True)
class TaxTotals:
    """totTrib, the approximate taxes of Lei 12.741/2012: the federal, state and municipal
    percentages (pTotTrib), or the Simples Nacional percentage (pTotTribSN), or neither
    (indTotTrib = 0, "not informed")."""

    federal: Decimal | None = None
    state: Decimal | None = None
    municipal: Decimal | None = None
    simples: Decimal | None = None

    @property
    def by_sphere(self) -> bool:
        return None not in (self.federal, self.state, self.municipal)


@dataclass(frozen=True)
class Retention:
    rate: Decimal  # percent
    amount: Decimal


@dataclass(frozen=True)
class Retentions:
    """What the taker withholds (issue 13, docs/decisions/0029): ISS (``tpRetISSQN`` 2,
    retido pelo tomador) and the federal taxes of ``tribFed``: PIS/COFINS in ``piscofins``
    (their rates and amounts, ``tpRetPisCofins`` naming which of PIS, COFINS and CSLL are
    withheld), INSS in ``vRetCP``, IRRF in ``vRetIRRF``, CSLL in ``vRetCSLL``."""

    iss: bool = False
    pis: Retention | None = None
    cofins: Retention | None = None
    csll: Retention | None = None
    irrf: Retention | None = None
    inss: Retention | None = None

    @property
    def federal(self) -> bool:
        return any((self.pis, self.cofins, self.csll, self.irrf, self.inss))


@dataclass(frozen=True)
class DpsData:
    provider: Provider
    taker: Taker
    series: str  # digits, up to 5
    number: int  # nDPS, 1 to 15 digits
    issued_at: dt.datetime  # aware; written with its offset, whole seconds
    competence: dt.date
    national_code: str  # cTribNac, 6 digits (LC 116 item, subitem, national split)
    description: str  # xDescServ
    service_value: Decimal  # vServ
    municipal_code: str = ""  # cTribMun, 3 digits, left out when blank
    iss_rate: Decimal | None = None  # pAliq (%), left out when None: see declared_iss_rate
    order_reference: str = ""  # infoCompl/xPed: the invoice or first service order
    order_items: tuple[str, ...] = ()  # infoCompl/gItemPed/xItemPed: the service orders
    environment: int = 2  # tpAmb: 1 production, 2 homologação
    tax_totals: TaxTotals = field(default_factory=TaxTotals)
    retentions: Retentions = field(default_factory=Retentions)

    @property
    def id(self) -> str:
        return dps_id(self)


def dps_id(data: DpsData) -> str:
    """``DPS`` + municipality (7) + kind of federal registration (1 CPF, 2 CNPJ) + registration
    (14, zero-padded) + series (5) + number (15): 45 characters (TSIdDPS)."""
    registration = data.provider.document
    kind = "1" if len(registration) == 11 else "2"
    return (
        f"DPS{data.provider.municipality}{kind}{registration.zfill(14)}"
        f"{data.series.zfill(5)}{data.number:015d}"
    )


def declared_iss_rate(provider: Provider, rate: Decimal | None) -> Decimal | None:
    """pAliq as the DPS may carry it. The schema allows it always, the Sefin Nacional does
    not: with a special regime (E0604), or for a provider not opting for the Simples Nacional
    whose municipality is in the national system (it takes the rate from the municipality's
    parameters) the rate is refused. MEI pays a fixed ISS. So only an ME/EPP declares it."""
    if rate is None or provider.special_regime != 0:
        return None
    return rate if provider.simples_nacional == ME_EPP else None


def fit_description(text: str) -> str:
    """The description within xDescServ's 2,000 characters, cut with an ellipsis."""
    text = text.strip()
    if len(text) <= DESCRIPTION_MAX:
        return text
    return text[: DESCRIPTION_MAX - len(ELLIPSIS)].rstrip() + ELLIPSIS


# --- XML -------------------------------------------------------------------------------------


def _add(parent: Any, tag: str, text: str | None = None) -> Any:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _decimal(value: Decimal) -> str:
    return f"{to_money(value):.2f}"


def _datetime(moment: dt.datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError("the DPS issue time must be timezone-aware")
    return moment.replace(microsecond=0).isoformat()


def _provider(inf: Any, provider: Provider) -> None:
    prest = _add(inf, "prest")
    _add(prest, "CPF" if len(provider.document) == 11 else "CNPJ", provider.document)
    if provider.municipal_registration:
        _add(prest, "IM", provider.municipal_registration)
    regime = _add(prest, "regTrib")
    _add(regime, "opSimpNac", str(provider.simples_nacional))
    if provider.simples_regime and provider.simples_nacional == ME_EPP:
        _add(regime, "regApTribSN", provider.simples_regime)
    _add(regime, "regEspTrib", str(provider.special_regime))


def _taker(inf: Any, taker: Taker) -> None:
    toma = _add(inf, "toma")
    _add(toma, taker.document_tag, taker.document)
    _add(toma, "xNome", taker.name)
    if taker.email:
        _add(toma, "email", taker.email)


def _service(inf: Any, data: DpsData) -> None:
    serv = _add(inf, "serv")
    _add(_add(serv, "locPrest"), "cLocPrestacao", data.provider.municipality)
    code = _add(serv, "cServ")
    _add(code, "cTribNac", data.national_code)
    if data.municipal_code:
        _add(code, "cTribMun", data.municipal_code)
    _add(code, "xDescServ", fit_description(data.description))
    if data.order_reference or data.order_items:
        extra = _add(serv, "infoCompl")
        if data.order_reference:
            _add(extra, "xPed", data.order_reference)
        if data.order_items:
            items = _add(extra, "gItemPed")
            for number in data.order_items:
                _add(items, "xItemPed", number)


def _values(inf: Any, data: DpsData) -> None:
    values = _add(inf, "valores")
    _add(_add(values, "vServPrest"), "vServ", _decimal(data.service_value))
    trib = _add(values, "trib")
    municipal = _add(trib, "tribMun")
    _add(municipal, "tribISSQN", TRIB_ISSQN_TAXABLE)
    retained = data.retentions
    _add(municipal, "tpRetISSQN", RET_ISSQN_BY_TAKER if retained.iss else RET_ISSQN_NOT_WITHHELD)
    if data.iss_rate is not None:
        _add(municipal, "pAliq", _decimal(data.iss_rate))
    if retained.federal:
        _federal(_add(trib, "tribFed"), data.service_value, retained)
    totals = _add(trib, "totTrib")
    approx = data.tax_totals
    if approx.by_sphere:
        percent = _add(totals, "pTotTrib")
        for tag, value in (
            ("pTotTribFed", approx.federal),
            ("pTotTribEst", approx.state),
            ("pTotTribMun", approx.municipal),
        ):
            _add(percent, tag, _decimal(value or Decimal(0)))
    elif approx.simples is not None:
        _add(totals, "pTotTribSN", _decimal(approx.simples))
    else:
        _add(totals, "indTotTrib", "0")


def _federal(federal: Any, base: Decimal, retained: Retentions) -> None:
    """tribFed, in the schema's order: piscofins, vRetCP, vRetIRRF, vRetCSLL."""
    pis, cofins, csll = retained.pis, retained.cofins, retained.csll
    if pis or cofins or csll:
        group = _add(federal, "piscofins")
        _add(group, "CST", CST_BASIC_RATE)
        if pis or cofins:
            _add(group, "vBCPisCofins", _decimal(base))
        for tag, item in (("pAliqPis", pis), ("pAliqCofins", cofins)):
            if item:
                _add(group, tag, _decimal(item.rate))
        for tag, item in (("vPis", pis), ("vCofins", cofins)):
            if item:
                _add(group, tag, _decimal(item.amount))
        _add(group, "tpRetPisCofins", RET_PIS_COFINS[(bool(pis), bool(cofins), bool(csll))])
    for tag, item in (("vRetCP", retained.inss), ("vRetIRRF", retained.irrf)):
        if item:
            _add(federal, tag, _decimal(item.amount))
    if csll:
        _add(federal, "vRetCSLL", _decimal(csll.amount))


def dps_xml(data: DpsData) -> bytes:
    """The DPS as UTF-8 XML, unsigned and not validated (see :func:`render_dps`). Compact: no
    indentation, as fiscal XML is transmitted and signed without formatting whitespace."""
    if len(data.order_items) > MAX_ORDER_ITEMS:
        raise InvalidInput(
            f"Uma DPS lista no máximo {MAX_ORDER_ITEMS} ordens de serviço "
            f"(esta tem {len(data.order_items)}): divida a nota.",
            errors=[{"field": "xItemPed", "message": f"máximo {MAX_ORDER_ITEMS}"}],
        )
    root = etree.Element(f"{{{NAMESPACE}}}DPS", nsmap={None: NAMESPACE}, versao=LAYOUT_VERSION)
    inf = _add(root, "infDPS")
    inf.set("Id", dps_id(data))
    _add(inf, "tpAmb", str(data.environment))
    _add(inf, "dhEmi", _datetime(data.issued_at))
    _add(inf, "verAplic", APP_VERSION)
    _add(inf, "serie", data.series)
    _add(inf, "nDPS", str(data.number))
    _add(inf, "dCompet", data.competence.isoformat())
    _add(inf, "tpEmit", EMITTER_PROVIDER)
    _add(inf, "cLocEmi", data.provider.municipality)
    _provider(inf, data.provider)
    _taker(inf, data.taker)
    _service(inf, data)
    _values(inf, data)
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


# --- validation and signing ------------------------------------------------------------------

_SCHEMA_LOCK = threading.Lock()  # an XMLSchema keeps one error log: validate one at a time
_FIELD = re.compile(r"attribute '(\w+)'|Element '(?:\{[^}]*\})?(\w+)'")


@functools.cache
def _schema() -> etree.XMLSchema:
    """nfelib's copy of the official DPS_v1.01.xsd (with its includes), compiled once."""
    resource = files("nfelib.nfse") / "schemas" / "v1_0" / "DPS_v1.01.xsd"
    with as_file(resource) as path:
        return etree.XMLSchema(etree.parse(str(path)))


def _field_of(message: str) -> str:
    match = _FIELD.search(message)
    return (match.group(1) or match.group(2)) if match else ""


def validate_dps(xml: bytes) -> None:
    """Raise :class:`InvalidInput` with every message of the 1.01 schema (line, field, the
    schema's own text) unless ``xml`` is a valid DPS."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        document = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(
            f"A DPS não é um XML bem formado: {exc.msg}",
            errors=[{"line": exc.lineno, "field": "", "message": exc.msg}],
        ) from None
    schema = _schema()
    with _SCHEMA_LOCK:
        valid = schema.validate(document)
        log = list(schema.error_log)
    if valid:
        return
    errors = [
        {"line": entry.line, "field": _field_of(entry.message), "message": entry.message}
        for entry in log
    ]
    raise InvalidInput(
        f"A DPS não passou no XSD do leiaute {LAYOUT_VERSION}: {errors[0]['message']}",
        errors=errors,
    )


class Signer(Protocol):
    """Signs a DPS (an enveloped XML-DSig over infDPS's Id) and returns the signed XML."""

    def sign(self, xml: bytes) -> bytes: ...


class UnsignedDps:
    """No signature: the DPS as generated (Fatura does not transmit it yet)."""

    def sign(self, xml: bytes) -> bytes:
        return xml


def render_dps(data: DpsData, *, signer: Signer | None = None) -> bytes:
    """The DPS XML, valid against the 1.01 XSD (else :class:`InvalidInput`), then signed.
    A signed DPS is validated again: the schema also checks its ds:Signature."""
    xml = dps_xml(data)
    validate_dps(xml)
    signed = (signer or UnsignedDps()).sign(xml)
    if signed != xml:
        validate_dps(signed)
    return signed
