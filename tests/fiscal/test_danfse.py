"""The DANFSe: drawn from an authorized NFS-e XML built per the official 1.01 schema; the text
read back with pdftotext, the page rendered with pdftoppm, the QR code's URL, the watermark and
the refusals of anything that is not a bounded, valid national NFS-e. Pure: no database."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from fatura.core.errors import InvalidInput
from fatura.fiscal import danfse
from fatura.fiscal.danfse import Watermark, access_key, consultation_url, danfse_pdf

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nfse"
SHARED_XSD = Path(__file__).resolve().parents[3] / "shared" / "data" / "nfse" / "xsd-1.01"
KEY = "35503082212345678000195000000000004226111234567897"
XML = (FIXTURES / "nfse-42-danfse.xml").read_bytes()

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")), reason="poppler-utils absent"
)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "danfse.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(out.stdout.split())


def test_the_fixture_is_valid_against_the_official_schema() -> None:
    if not SHARED_XSD.exists():
        pytest.skip("../shared/data/nfse is not beside the repository")
    xsd = etree.XMLSchema(etree.parse(str(SHARED_XSD / "NFSe_v1.01.xsd")))
    assert xsd.validate(etree.fromstring(XML)), xsd.error_log


@needs_poppler
def test_the_danfse_shows_every_block_of_the_national_layout(tmp_path: Path) -> None:
    text = pdf_text(danfse_pdf(XML), tmp_path)
    expected = [
        "DANFSe v2.0",
        "Documento Auxiliar da NFS-e",
        "Município: São Paulo / SP",  # the header: the issuing municipality
        "CHAVE DE ACESSO DA NFS-e",
        KEY,
        "NÚMERO DA NFS-e",
        "30/11/2026 16:20:07",  # dhProc
        "PRESTADOR / FORNECEDOR",
        "12.345.678/0001-95",
        "ORBITA SERVICOS DE TECNOLOGIA LTDA",
        "AVENIDA PAULISTA, 1842, CONJ 155, BELA VISTA",
        "TOMADOR / ADQUIRENTE",
        "11.222.333/0001-81",
        "CLIENTE TOMADOR DE TESTE LTDA",
        "Rio de Janeiro / RJ",
        "SERVIÇO PRESTADO",
        "01.07.01",
        "Suporte técnico mensal (novembro/2026)",
        "TRIBUTAÇÃO MUNICIPAL (ISSQN)",
        "Retido pelo Tomador",
        "R$ 75,00",  # ISSQN
        "R$ 22,50",  # IRRF withheld
        "R$ 15,00",  # CSLL withheld
        "VALOR TOTAL DA NFS-E",
        "R$ 1.500,00",
        "R$ 112,50",  # total withheld (ISSQN + federal)
        "R$ 1.387,50",  # net value
        "INFORMAÇÕES COMPLEMENTARES",
        "Fatura FAT-00000042",
        "OS-2001; OS-2002",
    ]
    missing = [item for item in expected if item not in text]
    assert missing == [], text
    assert "SEM VALIDADE JURÍDICA" not in text  # production (tpAmb 1)


@needs_poppler
def test_the_page_renders_as_one_a4_page(tmp_path: Path) -> None:
    (tmp_path / "danfse.pdf").write_bytes(danfse_pdf(XML))
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(tmp_path / "danfse.pdf"), str(tmp_path / "page")],
        check=True,
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    from PIL import Image

    with Image.open(pages[0]) as image:
        width, height = image.size
        assert abs(height / width - 297 / 210) < 0.01
        assert image.convert("L").getextrema()[0] == 0  # something is drawn in black


def test_the_qr_code_holds_the_national_portal_consultation_url(monkeypatch: Any) -> None:
    from brazilfiscalreport.danfse import danfse as library

    seen: list[str] = []
    original = library.draw_qr_code

    def spy(pdf: Any, data: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(data)
        return original(pdf, data, *args, **kwargs)

    monkeypatch.setattr(library, "draw_qr_code", spy)
    danfse_pdf(XML)
    assert seen == [f"https://www.nfse.gov.br/ConsultaPublica/?tpc=1&chave={KEY}"]
    assert seen == [consultation_url(KEY)]


def test_access_key_is_the_id_without_its_prefix() -> None:
    assert access_key(XML) == KEY


@needs_poppler
def test_a_document_of_the_restricted_production_says_it_has_no_legal_value(
    tmp_path: Path,
) -> None:
    restricted = XML.replace(b"<tpAmb>1</tpAmb>", b"<tpAmb>2</tpAmb>")
    assert "SEM VALIDADE JURÍDICA" in pdf_text(danfse_pdf(restricted), tmp_path)


def test_a_cancelled_nfse_carries_the_watermark() -> None:
    from pypdf import PdfReader

    def text(pdf: bytes) -> str:  # pdftotext leaves the diagonal watermark out; pypdf reads it
        return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

    assert "CANCELADA" in text(danfse_pdf(XML, watermark=Watermark.CANCELLED))
    assert "SUBSTITUÍDA" in text(danfse_pdf(XML, watermark=Watermark.REPLACED))
    assert "CANCELADA" not in text(danfse_pdf(XML))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "não tem XML"),
        (b"<NFSe", "malformado"),
        (
            b'<?xml version="1.0"?><!DOCTYPE NFSe [<!ENTITY x "y">]>'
            b'<NFSe xmlns="http://www.sped.fazenda.gov.br/nfse">&x;</NFSe>',
            "DOCTYPE",
        ),
        (b'<DPS xmlns="http://www.sped.fazenda.gov.br/nfse"/>', "não é uma NFS-e"),
        (b"<NFSe/>", "não é uma NFS-e"),
        (XML.replace(b"<nNFSe>42</nNFSe>", b""), "fora do leiaute nacional"),
    ],
)
def test_anything_but_a_valid_national_nfse_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        danfse_pdf(data)
    assert message in caught.value.message
    assert caught.value.errors[0]["field"] == "xml"


def test_a_document_over_the_bound_is_refused_before_parsing(monkeypatch: Any) -> None:
    monkeypatch.setattr(danfse, "MAX_XML_BYTES", len(XML) - 1)
    with pytest.raises(InvalidInput, match="grande demais"):
        danfse_pdf(XML)
