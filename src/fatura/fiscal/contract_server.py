"""A local stand-in for the Sefin Nacional, built from the national API's published contract
(paths, JSON payloads with gzip+base64 documents, the error shape) for the tests and the demo
— no network. HTTPS that requires a client certificate (mutual TLS, as the real API).

    POST /SefinNacional/nfse                 dpsXmlGZipB64 -> 201 chaveAcesso, idDps,
                                             nfseXmlGZipB64 (an NFSe 1.01 built from the DPS,
                                             signed by the server), alertas
    GET  /SefinNacional/dps/{idDps}          -> 200 chaveAcesso | 404
    GET  /SefinNacional/nfse/{chave}         -> 200 nfseXmlGZipB64 | 404
    POST /SefinNacional/nfse/{chave}/eventos pedidoRegistroEventoXmlGZipB64 -> 201
                                             eventoXmlGZipB64 (e101101 cancels the NFS-e)

A DPS is refused as the Sefin Nacional refuses it: not gzip+base64 (E1225), not XML (E1226),
not valid against DPS_v1.01.xsd (RNG6110, the schema message in ``Complemento``), a signature
that does not verify (:data:`SIGNATURE_INVALID`), a DPS already sent (:data:`DPS_REPEATED`).
Tests steer failures with :meth:`ContractServer.fail_next`. Run it for the demo::

    python -m fatura.fiscal.contract_server --dir DATA_DIR/nfse-contract [--port 8443]

It prints the FATURA_NFSE_* settings that point Fatura at it (docs/decisions/0038).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import ipaddress
import json
import secrets
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree

from fatura.fiscal.nfse_client import pack
from fatura.fiscal.nfse_sign import XML_DECLARATION, A1Certificate, A1Signer
from fatura.fiscal.xmldsig_check import SignatureInvalid, verify

NS = "http://www.sped.fazenda.gov.br/nfse"
BASE_PATH = "/SefinNacional"
VERSION = "SefinNacional_contrato"
BRASILIA = ZoneInfo("America/Sao_Paulo")
# error codes: E1225/E1226/RNG6110/E2406 as the Sefin Nacional answers them (decision 0038);
# the two below were not found in public material and are this server's own
SIGNATURE_INVALID = "E0714"
DPS_REPEATED = "E0014"
ALREADY_CANCELLED = "E0840"
SCHEMAS = "nfelib.nfse.schemas.v1_0"


# --- certificates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractCerts:
    """A private CA, the server's certificate, and a client A1 (PKCS#12) it trusts."""

    directory: Path
    ca: Path
    server_cert: Path
    server_key: Path
    client_p12: Path
    client_password: str

    def client(self) -> A1Certificate:
        return A1Certificate.load(self.client_p12.read_bytes(), self.client_password)


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil (teste)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _issue(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: tuple[x509.Name, rsa.RSAPrivateKey] | None,
    **kw: Any,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    issuer_name, issuer_key = issuer if issuer else (_name(subject), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(kw.get("since") or now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=kw.get("days", 825)))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if kw.get("usage"):
        builder = builder.add_extension(x509.ExtendedKeyUsage([kw["usage"]]), critical=False)
    if kw.get("hosts"):
        builder = builder.add_extension(x509.SubjectAlternativeName(kw["hosts"]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_certificates(
    directory: Path | str,
    *,
    document: str = "11222333000181",
    password: str = "fatura-contrato",
    client_days: int = 825,
    valid_from: dt.datetime | None = None,
) -> ContractCerts:
    """Write a test CA, a server certificate for localhost and a client A1 certificate
    (``EMPRESA:<CNPJ>``, as ICP-Brasil names them) into ``directory``; ``valid_from``: since
    when they are valid (default yesterday; the demo replays a past year)."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)

    def new_key() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    ca_key, server_key, client_key = new_key(), new_key(), new_key()
    ca = _issue("AC Teste Fatura", ca_key, None, days=3650, since=valid_from)
    hosts = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = _issue(
        "localhost",
        server_key,
        (ca.subject, ca_key),
        usage=ExtendedKeyUsageOID.SERVER_AUTH,
        hosts=hosts,
        since=valid_from,
    )
    client = _issue(
        f"EMPRESA TESTE:{document}",
        client_key,
        (ca.subject, ca_key),
        usage=ExtendedKeyUsageOID.CLIENT_AUTH,
        days=client_days,
        since=valid_from,
    )
    pem = serialization.Encoding.PEM
    paths = ContractCerts(
        directory=root,
        ca=root / "ca.pem",
        server_cert=root / "server.pem",
        server_key=root / "server-key.pem",
        client_p12=root / "client.p12",
        client_password=password,
    )
    paths.ca.write_bytes(ca.public_bytes(pem))
    paths.server_cert.write_bytes(server.public_bytes(pem) + ca.public_bytes(pem))
    paths.server_key.write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    paths.client_p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"fatura",
            client_key,
            client,
            [ca],
            serialization.BestAvailableEncryption(password.encode()),
        )
    )
    return paths


# --- the documents it returns ------------------------------------------------------------------


def _schema(name: str) -> etree.XMLSchema:
    from importlib.resources import as_file, files

    with as_file(files(SCHEMAS) / name) as path:
        return etree.XMLSchema(etree.parse(str(path)))


def _dv(digits: str) -> str:
    """Check digit of the access key: modulo 11, weights 2 to 9 from the right."""
    total, weight = 0, 2
    for char in reversed(digits):
        total += int(char) * weight
        weight = weight + 1 if weight < 9 else 2
    rest = total % 11
    return "0" if rest < 2 else str(11 - rest)


def access_key(municipality: str, document: str, number: int, at: dt.datetime) -> str:
    """cLocEmi (7) + ambiente gerador (1, 2 = Sefin Nacional) + tipo de inscrição (1 CPF,
    2 CNPJ) + inscrição (14) + nNFSe (13) + AAMM (4) + código numérico (9) + DV: 50 digits."""
    kind = "1" if len(document) == 11 else "2"
    code = f"{secrets.randbelow(10**9):09d}"
    body = f"{municipality}2{kind}{document.zfill(14)}{number:013d}{at:%y%m}{code}"
    return body + _dv(body)


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _text(element: Any, path: str, default: str = "") -> str:
    found = element.find("/".join(f"{{{NS}}}{part}" for part in path.split("/")))
    return found.text if found is not None and found.text else default


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):.2f}"


def build_nfse(dps: Any, *, number: int, key: str, at: dt.datetime, signer: A1Signer) -> bytes:
    """The authorized NFS-e of a (signed) DPS, as the Sefin Nacional returns it."""
    inf_dps = dps.find(f"{{{NS}}}infDPS")
    document = _text(inf_dps, "prest/CNPJ") or _text(inf_dps, "prest/CPF")
    municipality = _text(inf_dps, "cLocEmi")
    value = Decimal(_text(inf_dps, "valores/vServPrest/vServ", "0"))
    rate = Decimal(_text(inf_dps, "valores/trib/tribMun/pAliq", "2.00"))
    iss = (value * rate / 100).quantize(Decimal("0.01"))
    withheld = _text(inf_dps, "valores/trib/tribMun/tpRetISSQN") == "2"
    root = etree.Element(f"{{{NS}}}NFSe", nsmap={None: NS}, versao="1.01")
    inf = _sub(root, "infNFSe")
    inf.set("Id", f"NFS{key}")
    for tag, text in (
        ("xLocEmi", "Município de teste"),
        ("xLocPrestacao", "Município de teste"),
        ("nNFSe", str(number)),
        ("cLocIncid", municipality),
        ("xLocIncid", "Município de teste"),
        ("xTribNac", "Serviço do código " + _text(inf_dps, "serv/cServ/cTribNac")),
        ("verAplic", VERSION[:20]),
        ("ambGer", "2"),
        ("tpEmis", "1"),
        ("procEmi", "1"),
        ("cStat", "100"),
        ("dhProc", at.replace(microsecond=0).isoformat()),
        ("nDFSe", str(number)),
    ):
        _sub(inf, tag, text)
    emit = _sub(inf, "emit")
    _sub(emit, "CPF" if len(document) == 11 else "CNPJ", document)
    _sub(emit, "xNome", "PRESTADOR CADASTRADO NO CNC")
    address = _sub(emit, "enderNac")
    for tag, text in (("xLgr", "RUA DE TESTE"), ("nro", "1"), ("xBairro", "CENTRO")):
        _sub(address, tag, text)
    _sub(address, "cMun", municipality)
    _sub(address, "UF", "SP")
    _sub(address, "CEP", "01000000")
    values = _sub(inf, "valores")
    _sub(values, "vBC", _money(value))
    _sub(values, "pAliqAplic", _money(rate))
    _sub(values, "vISSQN", _money(iss))
    _sub(values, "vLiq", _money(value - iss if withheld else value))
    inf.append(dps)
    body = etree.tostring(root, encoding="UTF-8")
    return signer.sign(XML_DECLARATION + body)


def build_event(request: Any, *, key: str, at: dt.datetime, signer: A1Signer) -> bytes:
    """The registered event (``evento``) of a signed cancellation request."""
    root = etree.Element(f"{{{NS}}}evento", nsmap={None: NS}, versao="1.01")
    inf = _sub(root, "infEvento")
    inf.set("Id", f"EVT{key}101101001")
    for tag, text in (
        ("verAplic", VERSION[:20]),
        ("ambGer", "2"),
        ("nSeqEvento", "1"),
        ("dhProc", at.replace(microsecond=0).isoformat()),
        ("nDFSe", str(secrets.randbelow(10**9) + 1)),
    ):
        _sub(inf, tag, text)
    inf.append(request)
    return signer.sign(XML_DECLARATION + etree.tostring(root, encoding="UTF-8"))


# --- the server --------------------------------------------------------------------------------


@dataclass
class Issued:
    key: str
    dps_id: str
    xml: bytes
    cancelled: bool = False


@dataclass
class State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    by_key: dict[str, Issued] = field(default_factory=dict)
    by_dps: dict[str, Issued] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    next_number: int = 1


class Refused(Exception):  # noqa: N818
    def __init__(self, status: int, code: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


def _unpack(payload: Any, name: str) -> Any:
    text = payload.get(name) if isinstance(payload, dict) else None
    try:
        data = gzip.decompress(base64.b64decode(text or "", validate=True))
    except Exception:
        raise Refused(400, "E1225", "Falha ao descompactar XML Zip B64.", name) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise Refused(400, "E1226", "Estrutura descompactada mal formada.", exc.msg) from None


def _validate(root: Any, schema: str) -> None:
    checker = _schema(schema)
    if not checker.validate(root):
        raise Refused(400, "RNG6110", "Falha Schema Xml", str(checker.error_log.last_error))
    try:
        verify(root)
    except SignatureInvalid as exc:
        raise Refused(400, SIGNATURE_INVALID, "Assinatura digital inválida.", str(exc)) from None


class Handler(BaseHTTPRequestHandler):
    server: ContractServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _envelope(self) -> dict[str, Any]:
        return {
            "tipoAmbiente": self.server.environment,
            "versaoAplicativo": VERSION,
            "dataHoraProcessamento": self.server.now().astimezone(BRASILIA).isoformat(),
        }

    def _route(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        state = self.server.state
        with state.lock:
            state.requests.append((method, path))
            fault = state.faults.pop(0) if state.faults and method == "POST" else ""
        if not path.startswith(BASE_PATH + "/"):
            self._send(
                404,
                {**self._envelope(), "erro": {"codigo": "E404", "descricao": "Rota inexistente."}},
            )
            return
        parts = path[len(BASE_PATH) + 1 :].split("/")
        if fault == "drop":  # the connection breaks before the DPS is processed
            self.close_connection = True
            self.connection.close()
            return
        if fault == "500":
            self._send(
                500,
                {**self._envelope(), "erros": [{"Codigo": "E500", "Descricao": "Indisponível."}]},
            )
            return
        try:
            if fault.startswith("reject:"):
                _, code, message = fault.split(":", 2)
                raise Refused(400, code, message)
            status, body = self.server.dispatch(
                method, parts, self._json() if method == "POST" else None
            )
        except Refused as refused:
            error = {
                "Codigo": refused.code,
                "Descricao": refused.message,
                "Complemento": refused.detail,
            }
            body = (
                {**self._envelope(), "erros": [error]}
                if method == "POST"
                else {
                    **self._envelope(),
                    "erro": {"codigo": refused.code, "descricao": refused.message},
                }
            )
            self._send(refused.status, body)
            return
        if fault == "drop-after":  # processed, but the answer never arrives
            self.close_connection = True
            self.connection.close()
            return
        self._send(status, {**self._envelope(), **body})

    def _json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 5 * 1024 * 1024:
            raise Refused(413, "E9999", "Requisição grande demais.")
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            raise Refused(400, "E1225", "Falha ao descompactar XML Zip B64.", "JSON") from None

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")


class ContractServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        certs: ContractCerts,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        environment: int = 2,
        first_number: int = 1,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__((host, port), Handler)
        self.certs = certs
        # the processing time it stamps (dhProc): the real time, or the demo's replayed moment
        self.now: Callable[[], dt.datetime] = now or (lambda: dt.datetime.now(BRASILIA))
        self.environment = environment
        self.state = State(next_number=first_number)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(certs.server_cert), str(certs.server_key))
        context.load_verify_locations(cafile=str(certs.ca))
        context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: no client certificate, no API
        self.socket = context.wrap_socket(self.socket, server_side=True)
        key = serialization.load_pem_private_key(certs.server_key.read_bytes(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        cert = x509.load_pem_x509_certificate(certs.server_cert.read_bytes())
        self.nfse_signer = A1Signer(A1Certificate(key=key, certificate=cert), element="infNFSe")
        self.event_signer = A1Signer(A1Certificate(key=key, certificate=cert), element="infEvento")
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}{BASE_PATH}"

    def start(self) -> ContractServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def fail_next(self, *modes: str) -> None:
        """The next POSTs fail: "drop" (no answer, nothing done), "drop-after" (done, no
        answer), "500", or "reject:CODE:message" (a 400 with that error)."""
        with self.state.lock:
            self.state.faults.extend(modes)

    # --- operations ---------------------------------------------------------------------

    def dispatch(self, method: str, parts: list[str], payload: Any) -> tuple[int, dict[str, Any]]:
        if method == "POST" and parts == ["nfse"]:
            return self.issue(payload)
        if method == "GET" and len(parts) == 2 and parts[0] == "dps":
            found = self.state.by_dps.get(parts[1])
            if found is None:
                raise Refused(404, "E0001", "DPS não encontrada.")
            return 200, {"idDps": found.dps_id, "chaveAcesso": found.key}
        if len(parts) >= 2 and parts[0] == "nfse":
            key = parts[1]
            if len(key) != 50 or not key.isdigit():
                raise Refused(400, "E2406", "A chave de acesso consultada deve conter 50 números.")
            issued = self.state.by_key.get(key)
            if issued is None:
                raise Refused(404, "E2407", "NFS-e não encontrada.")
            if method == "GET" and len(parts) == 2:
                return 200, {"chaveAcesso": key, "nfseXmlGZipB64": pack(issued.xml)}
            if method == "POST" and parts[2:] == ["eventos"]:
                return self.register_event(issued, payload)
        raise Refused(404, "E404", "Rota inexistente.")

    def issue(self, payload: Any) -> tuple[int, dict[str, Any]]:
        dps = _unpack(payload, "dpsXmlGZipB64")
        _validate(dps, "DPS_v1.01.xsd")
        dps_id = dps.find(f"{{{NS}}}infDPS").get("Id")
        now = self.now().astimezone(BRASILIA)
        with self.state.lock:
            if dps_id in self.state.by_dps:
                raise Refused(400, DPS_REPEATED, "DPS já recebida (mesmo Id).", dps_id)
            number = self.state.next_number
            self.state.next_number += 1
            inf = dps.find(f"{{{NS}}}infDPS")
            document = _text(inf, "prest/CNPJ") or _text(inf, "prest/CPF")
            key = access_key(_text(inf, "cLocEmi"), document, number, now)
            xml = build_nfse(dps, number=number, key=key, at=now, signer=self.nfse_signer)
            issued = Issued(key=key, dps_id=dps_id, xml=xml)
            self.state.by_key[key] = self.state.by_dps[dps_id] = issued
        return 201, {
            "idDps": dps_id,
            "chaveAcesso": key,
            "nfseXmlGZipB64": pack(xml),
            "alertas": [],
        }

    def register_event(self, issued: Issued, payload: Any) -> tuple[int, dict[str, Any]]:
        request = _unpack(payload, "pedidoRegistroEventoXmlGZipB64")
        _validate(request, "pedRegEvento_v1.01.xsd")
        inf = request.find(f"{{{NS}}}infPedReg")
        if _text(inf, "chNFSe") != issued.key:
            raise Refused(400, "E2406", "A chave do pedido difere da chave do caminho.")
        if inf.find(f"{{{NS}}}e101101") is None:
            raise Refused(400, "E9999", "Este servidor de contrato só registra o e101101.")
        with self.state.lock:
            if issued.cancelled:
                raise Refused(400, ALREADY_CANCELLED, "NFS-e já cancelada.")
            issued.cancelled = True
        now = self.now().astimezone(BRASILIA)
        event = build_event(request, key=issued.key, at=now, signer=self.event_signer)
        return 201, {"eventoXmlGZipB64": pack(event)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Servidor de contrato da Sefin Nacional (teste)")
    parser.add_argument("--dir", required=True, help="pasta dos certificados (criados se faltarem)")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--first-number", type=int, default=1, help="primeiro nNFSe")
    args = parser.parse_args(argv)
    directory = Path(args.dir)
    certs = (
        ContractCerts(
            directory,
            directory / "ca.pem",
            directory / "server.pem",
            directory / "server-key.pem",
            directory / "client.p12",
            "fatura-contrato",
        )
        if (directory / "client.p12").exists()
        else make_certificates(directory)
    )
    server = ContractServer(certs, port=args.port, first_number=args.first_number).start()
    print(f"FATURA_NFSE_API_URL={server.url}")
    print(f"FATURA_NFSE_CERT={certs.client_p12}")
    print(f"FATURA_NFSE_CERT_PASSWORD={certs.client_password}")
    print(f"FATURA_NFSE_CA={certs.ca}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
