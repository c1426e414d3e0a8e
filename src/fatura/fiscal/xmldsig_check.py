"""Checking the enveloped XML-DSig of a national-layout document (DPS, pedRegEvento, NFSe,
evento), written from the W3C XML Signature recommendation with lxml's C14N and
``cryptography`` — on purpose not with the library that signs (:mod:`.nfse_sign`), so the
contract server (and the tests) catch a signing bug instead of agreeing with it.

What it accepts is what the national layout uses: one ``Signature`` child of the root, one
``Reference`` to ``#Id`` of an element that is a child of the root, the transforms enveloped
signature and C14N 1.0 (or exclusive C14N), SHA-1 or SHA-256 digests, RSA-SHA1 or
RSA-SHA256, and the signer's certificate in ``KeyInfo/X509Data``.
"""

from __future__ import annotations

import base64
import binascii
import copy
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
C14N_DEFAULT = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N = {  # algorithm -> (exclusive, with comments)
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": (False, False),
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": (False, True),
    "http://www.w3.org/2001/10/xml-exc-c14n#": (True, False),
}
DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256,
}
SIGNATURES: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": hashes.SHA1,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256,
}


class SignatureInvalid(Exception):  # noqa: N818 - what the check says about the document
    pass


def _ds(element: Any, path: str) -> Any:
    found = element.find("/".join(f"{{{DS}}}{part}" for part in path.split("/")))
    if found is None:
        raise SignatureInvalid(f"Assinatura sem {path}.")
    return found


def _c14n(element: Any, algorithm: str) -> bytes:
    if algorithm not in C14N:
        raise SignatureInvalid(f"Canonicalização não aceita: {algorithm}.")
    exclusive, comments = C14N[algorithm]
    # The subtree as the root of a document of its own, declaring every namespace in scope
    # (what inclusive C14N writes on the apex element): lxml's C14N of an element inside a
    # larger tree writes spurious xmlns="" on its descendants (seen with lxml 6.1 / libxml2).
    apex = etree.Element(element.tag, attrib=dict(element.attrib), nsmap=element.nsmap)
    apex.text = element.text
    for child in element:
        apex.append(copy.deepcopy(child))
    data: bytes = etree.tostring(apex, method="c14n", exclusive=exclusive, with_comments=comments)
    return data


def _digest(data: bytes, algorithm: str) -> bytes:
    if algorithm not in DIGESTS:
        raise SignatureInvalid(f"Algoritmo de resumo não aceito: {algorithm}.")
    hasher = hashes.Hash(DIGESTS[algorithm]())
    hasher.update(data)
    return hasher.finalize()


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid(f"{what} não está em base64.") from None


def _referenced(root: Any, signature: Any, uri: str) -> Any:
    if not uri.startswith("#") or len(uri) < 2:
        raise SignatureInvalid(f"Referência da assinatura não aceita: {uri!r}.")
    matches = [el for el in root.iter() if el.get("Id") == uri[1:]]
    if len(matches) != 1 or matches[0].getparent() is not root:
        raise SignatureInvalid(f"A referência {uri} não aponta um único filho da raiz.")
    return matches[0]


def verify(xml: bytes | Any) -> x509.Certificate:
    """Check the document's signature; return the signer's certificate, else raise
    :class:`SignatureInvalid` with the reason (pt-BR). ``xml``: bytes or a parsed root."""
    if isinstance(xml, bytes):
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            root = etree.fromstring(xml, parser)
        except etree.XMLSyntaxError as exc:
            raise SignatureInvalid(f"XML malformado: {exc.msg}") from None
    else:
        root = xml
    signatures = root.findall(f"{{{DS}}}Signature")
    if len(signatures) != 1:
        raise SignatureInvalid("O documento deve ter uma assinatura (Signature) na raiz.")
    signature = signatures[0]
    signed_info = _ds(signature, "SignedInfo")
    references = signed_info.findall(f"{{{DS}}}Reference")
    if len(references) != 1:
        raise SignatureInvalid("A assinatura deve ter uma referência.")
    reference = references[0]
    target = _referenced(root, signature, reference.get("URI", ""))
    c14n_method = C14N_DEFAULT
    enveloped = False
    for transform in reference.findall(f"{{{DS}}}Transforms/{{{DS}}}Transform"):
        algorithm = transform.get("Algorithm", "")
        if algorithm == ENVELOPED:
            enveloped = True
        elif algorithm in C14N:
            c14n_method = algorithm
        else:
            raise SignatureInvalid(f"Transformação não aceita: {algorithm}.")
    if not enveloped:
        raise SignatureInvalid("A assinatura deve ser envelopada (enveloped-signature).")
    if signature in target.iter():  # enveloped inside the signed element: sign without it
        document = copy.deepcopy(root)
        for nested in document.iter(f"{{{DS}}}Signature"):
            nested.getparent().remove(nested)
        target = _referenced(document, None, reference.get("URI", ""))
    digest_method = _ds(reference, "DigestMethod").get("Algorithm", "")
    expected = _b64(_ds(reference, "DigestValue").text, "DigestValue")
    if _digest(_c14n(target, c14n_method), digest_method) != expected:
        raise SignatureInvalid("O resumo (DigestValue) não confere: o documento foi alterado.")
    certificate_text = _ds(signature, "KeyInfo/X509Data/X509Certificate").text
    try:
        certificate = x509.load_der_x509_certificate(_b64(certificate_text, "X509Certificate"))
    except ValueError:
        raise SignatureInvalid("X509Certificate ilegível.") from None
    method = _ds(signed_info, "SignatureMethod").get("Algorithm", "")
    if method not in SIGNATURES:
        raise SignatureInvalid(f"Algoritmo de assinatura não aceito: {method}.")
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureInvalid("O certificado não tem chave RSA.")
    canonical = _c14n(signed_info, _ds(signed_info, "CanonicalizationMethod").get("Algorithm"))
    value = _b64(_ds(signature, "SignatureValue").text, "SignatureValue")
    try:
        key.verify(value, canonical, padding.PKCS1v15(), SIGNATURES[method]())
    except InvalidSignature:
        raise SignatureInvalid("O valor da assinatura (SignatureValue) não confere.") from None
    return certificate
