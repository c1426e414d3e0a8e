"""The Sefin Nacional client's documents (gzip + base64): read back, and bounded."""

from __future__ import annotations

import base64
import gzip

import pytest

from fatura.fiscal.nfse_client import MAX_RESPONSE_BYTES, TransportError, pack, unpack


def test_a_packed_document_unpacks_to_itself() -> None:
    xml = b'<?xml version="1.0" encoding="UTF-8"?><NFSe versao="1.01"/>'
    assert unpack(pack(xml)) == xml


def test_a_document_that_unpacks_beyond_the_bound_is_refused() -> None:
    bomb = gzip.compress(b"\0" * (MAX_RESPONSE_BYTES + 1024))  # ~10 kB of gzip
    assert len(bomb) < 100_000
    with pytest.raises(TransportError, match="grande demais"):
        unpack(base64.b64encode(bomb).decode("ascii"))


@pytest.mark.parametrize("text", ["", "não é base64", base64.b64encode(b"not gzip").decode()])
def test_an_unreadable_document_is_a_transport_error(text: str) -> None:
    with pytest.raises(TransportError):
        unpack(text)


def test_a_cut_document_is_a_transport_error() -> None:
    cut = gzip.compress(b"<NFSe/>" * 100)[:-12]
    with pytest.raises(TransportError, match="ilegível"):
        unpack(base64.b64encode(cut).decode("ascii"))
