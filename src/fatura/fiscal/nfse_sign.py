"""The company's A1 certificate and the XML signature of what Fatura sends the Sefin Nacional.

The national layout signs the DPS (and the event requests, ``pedRegEvento``) with an
enveloped XML-DSig: a ``Signature`` without namespace prefix, last child of the root, with
one ``Reference`` to ``#<Id>`` of ``infDPS`` (``infPedReg``), the transforms enveloped
signature and C14N 1.0, and the ``X509Certificate`` of the signer in ``KeyInfo``. Fatura signs
with RSA-SHA256 and SHA-256 digests (what the Sefin Nacional uses for the NFS-e it signs
itself, and what the maintained library refuses to downgrade to SHA-1);
docs/decisions/0038-nfse-issuing.md says why and how it is checked.

The signature is computed by signxml (pinned in constraints.txt); the certificate, a
PKCS#12 file (``FATURA_NFSE_CERT``) and its password (``FATURA_NFSE_CERT_PASSWORD``), is read
with ``cryptography``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner
from signxml import namespaces as signxml_namespaces

from fatura.core import clock

NFSE_NS = "http://www.sped.fazenda.gov.br/nfse"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
C14N_1_0 = CanonicalizationMethod.CANONICAL_XML_1_0


class CertificateError(ImproperlyConfigured):
    """The A1 certificate is missing, unreadable, not RSA, or out of its validity."""


@dataclass(frozen=True)
class A1Certificate:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @classmethod
    def load(cls, data: bytes, password: str) -> A1Certificate:
        try:
            key, cert, chain = pkcs12.load_key_and_certificates(data, password.encode())
        except ValueError as exc:
            raise CertificateError(f"Certificado A1 ilegível ou senha errada: {exc}") from None
        if cert is None or not isinstance(key, rsa.RSAPrivateKey):
            raise CertificateError("O arquivo PKCS#12 não tem um certificado com chave RSA.")
        return cls(key=key, certificate=cert, chain=tuple(chain or ()))

    @classmethod
    def from_settings(cls) -> A1Certificate:
        path = settings.FATURA_NFSE.get("cert", "").strip()
        if not path:
            raise CertificateError(
                "FATURA_NFSE_CERT não está definido: informe o arquivo .pfx/.p12 do "
                "certificado A1 da empresa (e FATURA_NFSE_CERT_PASSWORD)."
            )
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CertificateError(f"FATURA_NFSE_CERT: {exc.strerror}: {path}") from None
        return _loaded(data, settings.FATURA_NFSE.get("cert_password", ""))

    def check_validity(self) -> None:
        now = clock.now()
        if not self.certificate.not_valid_before_utc <= now <= self.certificate.not_valid_after_utc:
            raise CertificateError(
                "O certificado A1 está fora da validade "
                f"({self.certificate.not_valid_before_utc:%d/%m/%Y} a "
                f"{self.certificate.not_valid_after_utc:%d/%m/%Y})."
            )

    @contextlib.contextmanager
    def pem_files(self) -> Iterator[tuple[str, str, str]]:
        """(certificate chain file, encrypted key file, its one-time password) for
        ``ssl.SSLContext.load_cert_chain``, in a private directory removed afterwards."""
        password = secrets.token_urlsafe(24)
        with tempfile.TemporaryDirectory(prefix="fatura-a1-") as directory:
            os.chmod(directory, 0o700)
            certfile, keyfile = Path(directory, "cert.pem"), Path(directory, "key.pem")
            certfile.write_bytes(
                b"".join(
                    c.public_bytes(serialization.Encoding.PEM)
                    for c in (self.certificate, *self.chain)
                )
            )
            keyfile.write_bytes(
                self.key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.BestAvailableEncryption(password.encode()),
                )
            )
            yield str(certfile), str(keyfile), password


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


@functools.lru_cache(maxsize=4)
def _loaded(data: bytes, password: str) -> A1Certificate:
    """The PKCS#12 decrypted once per content and password: its key derivation takes ~0.15 s
    of CPU, and every issuance asked for it twice (decision 0039, the demo's issuances). A
    replaced file has new content, so it is read again."""
    return A1Certificate.load(data, password)


class A1Signer:
    """A :class:`fatura.fiscal.dps.Signer`: signs the child ``element`` (with its ``Id``) of
    the document's root, placing the ``Signature`` last in the root."""

    def __init__(self, certificate: A1Certificate, *, element: str = "infDPS") -> None:
        self.certificate = certificate
        self.element = element

    def sign(self, xml: bytes) -> bytes:
        root = etree.fromstring(xml, _parser())
        target = root.find(f"{{{NFSE_NS}}}{self.element}")
        if target is None or not target.get("Id"):
            raise ValueError(f"nothing to sign: no {self.element} with an Id under the root")
        signer = XMLSigner(
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=C14N_1_0,
        )
        signer.namespaces = {None: signxml_namespaces.ds}  # type: ignore[dict-item]
        signed = signer.sign(
            root,
            key=self.certificate.key,
            cert=[self.certificate.certificate],
            reference_uri=f"#{target.get('Id')}",
        )
        body: bytes = etree.tostring(signed, encoding="UTF-8", xml_declaration=False)
        return XML_DECLARATION + body
