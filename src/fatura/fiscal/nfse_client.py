"""A client of the Sefin Nacional's API for the taxpayer (contribuintes ISSQN), the part Fatura
uses: send a DPS, look a DPS or an NFS-e up, register an event. JSON over HTTPS with mutual
TLS (the company's A1 certificate); documents travel gzip-compressed and base64-encoded.

    POST {base}/nfse                      {"dpsXmlGZipB64"}  -> 201 {chaveAcesso, idDps,
                                                               nfseXmlGZipB64, alertas}
    GET  {base}/dps/{idDps}                                  -> 200 {chaveAcesso}
    GET  {base}/nfse/{chaveAcesso}                           -> 200 {nfseXmlGZipB64}
    POST {base}/nfse/{chaveAcesso}/eventos {"pedidoRegistroEventoXmlGZipB64"}
                                                             -> 201 {eventoXmlGZipB64}

Errors come as ``{"erros": [{"Codigo", "Descricao", "Complemento"}]}`` (or one ``"erro"``).
A refusal (4xx) is :class:`Rejected`, final; the network, a timeout, a 5xx or an answer
that is not the contract's is :class:`TransportError`, worth retrying. Sources of the
contract: docs/decisions/0038-nfse-issuing.md.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import ssl
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from fatura.fiscal.nfse_sign import A1Certificate

MAX_RESPONSE_BYTES = 10 * 1024 * 1024
USER_AGENT = "Fatura NFS-e client"


@dataclass(frozen=True)
class ApiError:
    code: str
    message: str
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class TransportError(Exception):
    """Nothing (or nothing usable) came back: try again later."""


class Rejected(Exception):  # noqa: N818 - the Sefin Nacional's word
    """The Sefin Nacional refused the request (4xx) with its error codes."""

    def __init__(self, status: int, errors: list[ApiError]) -> None:
        self.status = status
        self.errors = errors or [ApiError("HTTP", f"Recusado (HTTP {status}).")]
        first = self.errors[0]
        super().__init__(f"{first.code}: {first.message}")


class NotFoundAtSefin(Rejected):
    pass


@dataclass(frozen=True)
class Issued:
    access_key: str
    nfse_xml: bytes
    dps_id: str = ""
    alerts: list[ApiError] = field(default_factory=list)


def pack(xml: bytes) -> str:
    return base64.b64encode(gzip.compress(xml)).decode("ascii")


def unpack(text: Any) -> bytes:
    if not isinstance(text, str) or not text:
        raise TransportError("Resposta sem o documento (XML GZip base64).")
    try:
        # bounded: a few kB of gzip may unpack to gigabytes
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = inflater.decompress(base64.b64decode(text, validate=True), MAX_RESPONSE_BYTES + 1)
    except (binascii.Error, zlib.error, ValueError) as exc:
        raise TransportError(f"Documento da resposta ilegível: {exc}") from None
    if len(data) > MAX_RESPONSE_BYTES:
        raise TransportError("Documento da resposta grande demais.")
    if not inflater.eof:
        raise TransportError("Documento da resposta ilegível: gzip incompleto.")
    return data


def _errors(payload: Any) -> list[ApiError]:
    if not isinstance(payload, dict):
        return []
    items = payload.get("erros") or payload.get("Erros") or []
    if isinstance(payload.get("erro"), dict):
        items = [payload["erro"], *items]
    found = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            get = {str(k).lower(): v for k, v in item.items()}
            found.append(
                ApiError(
                    code=str(get.get("codigo") or ""),
                    message=str(get.get("descricao") or ""),
                    detail=str(get.get("complemento") or ""),
                )
            )
    return found


class SefinClient:
    def __init__(
        self,
        *,
        base_url: str,
        certificate: A1Certificate,
        ca_file: str = "",
        timeout: float = 30.0,
    ) -> None:
        if not base_url.startswith("https://"):
            raise ImproperlyConfigured("FATURA_NFSE_API_URL deve ser um endereço https://.")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        context = ssl.create_default_context(cafile=ca_file or None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        with certificate.pem_files() as (certfile, keyfile, password):
            context.load_cert_chain(certfile, keyfile, password)
        self._context = context

    @classmethod
    def from_settings(cls, certificate: A1Certificate | None = None) -> SefinClient:
        options = settings.FATURA_NFSE
        url = options.get("api_url", "").strip()
        if not url:
            raise ImproperlyConfigured(
                "FATURA_NFSE_API_URL não está definido (produção: "
                "https://sefin.nfse.gov.br/SefinNacional; produção restrita: "
                "https://sefin.producaorestrita.nfse.gov.br/SefinNacional)."
            )
        return cls(
            base_url=url,
            certificate=certificate or A1Certificate.from_settings(),
            ca_file=options.get("ca", "").strip(),
            timeout=float(options.get("timeout", 30)),
        )

    # --- the operations ----------------------------------------------------------------------

    def issue(self, signed_dps: bytes) -> Issued:
        body = self._call("POST", "/nfse", {"dpsXmlGZipB64": pack(signed_dps)})
        key = body.get("chaveAcesso")
        if not isinstance(key, str) or not key:
            raise TransportError("Resposta da emissão sem chaveAcesso.")
        alerts = _errors({"erros": body.get("alertas") or []})
        return Issued(
            access_key=key,
            nfse_xml=unpack(body.get("nfseXmlGZipB64")),
            dps_id=str(body.get("idDps") or ""),
            alerts=alerts,
        )

    def dps_access_key(self, dps_id: str) -> str | None:
        """The access key of the NFS-e generated from DPS ``dps_id``, None when the Sefin
        Nacional has no such DPS (what a retry asks before sending again)."""
        try:
            body = self._call("GET", f"/dps/{quote(dps_id, safe='')}")
        except NotFoundAtSefin:
            return None
        key = body.get("chaveAcesso")
        return key if isinstance(key, str) and key else None

    def nfse_xml(self, access_key: str) -> bytes:
        body = self._call("GET", f"/nfse/{quote(access_key, safe='')}")
        return unpack(body.get("nfseXmlGZipB64"))

    def register_event(self, access_key: str, signed_request: bytes) -> bytes:
        body = self._call(
            "POST",
            f"/nfse/{quote(access_key, safe='')}/eventos",
            {"pedidoRegistroEventoXmlGZipB64": pack(signed_request)},
        )
        return unpack(body.get("eventoXmlGZipB64"))

    # --- transport ---------------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        try:
            with urllib.request.urlopen(
                request, timeout=self.timeout, context=self._context
            ) as response:
                status, raw = response.status, response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read(MAX_RESPONSE_BYTES + 1)
        except (urllib.error.URLError, TimeoutError, ssl.SSLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TransportError(f"Sem resposta da Sefin Nacional: {reason}") from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise TransportError("Resposta grande demais.")
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        if status >= 500 or body is None:
            raise TransportError(f"Sefin Nacional respondeu HTTP {status} sem o contrato.")
        if status == 404:
            raise NotFoundAtSefin(status, _errors(body))
        if status >= 400:
            raise Rejected(status, _errors(body))
        if not isinstance(body, dict):
            raise TransportError("Resposta fora do contrato (não é um objeto JSON).")
        return body
