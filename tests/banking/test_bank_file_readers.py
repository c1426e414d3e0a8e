"""The bank-file readers on bytes alone (no database): CNAB 240 segments T/U, CNAB 400 of Itaú
and Banco do Brasil, OFX 1.x SGML and 2.x XML; kind detection; every bad file refused with its
line and field. Fixtures are written at the positions of the published layouts (FEBRABAN 240,
Itaú and BB CBR643 400, OFX 1.0.2/2.2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fatura.banking.files import BankFileError, EntryKind, detect, parse
from fatura.banking.files.write import (
    Record,
    Title,
    Transaction,
    cnab240_return,
    cnab400_return,
    ofx_statement,
)

DAY = dt.date(2026, 5, 4)
CREDIT = dt.date(2026, 5, 5)
CPF = "12345678909"
CNPJ = "11222333000181"


def _cnab240(titles: list[Title], bank: str = "001") -> bytes:
    return cnab240_return(titles, bank=bank, generated=CREDIT).encode("latin-1")


def test_cnab240_segments_t_and_u_give_one_entry_per_title() -> None:
    titles = [
        Title(
            "12345670000000001",
            Decimal("1012.30"),
            CREDIT,
            occurred_on=DAY,
            nominal=Decimal("1000.00"),
            interest=Decimal("12.30"),
            fee=Decimal("2.50"),
            payer_document=CNPJ,
            payer_name="Conceição Serviços",
        ),
        Title("12345670000000002", Decimal("400.00"), CREDIT, nominal=Decimal("1000.00")),
        Title("12345670000000003", Decimal("0"), CREDIT, movement="02", nominal=Decimal("50")),
        Title("12345670000000004", Decimal("0"), CREDIT, movement="09", nominal=Decimal("70")),
        Title("12345670000000005", Decimal("0"), CREDIT, movement="28", fee=Decimal("3.10")),
    ]
    parsed = parse(_cnab240(titles))
    assert (parsed.kind, parsed.bank_code) == ("cnab240", "001")
    first, partial, entrada, baixa, tarifa = parsed.entries
    assert first.kind == EntryKind.PAYMENT and first.amount == Decimal("1012.30")
    assert (first.interest, first.fee, first.net) == (
        Decimal("12.30"),
        Decimal("2.50"),
        Decimal("1009.80"),
    )
    assert (first.occurred_on, first.credited_on) == (DAY, CREDIT)
    assert (first.nosso_numero, first.payer_document) == ("12345670000000001", CNPJ)
    assert first.payer_name == "Conceição Serviços"
    assert first.entry_id == "cnab240:001:12345670000000001:06:20260504:101230"
    assert first.line == 3  # segment T's line
    assert partial.amount == Decimal("400.00") and partial.extras["nominal"] == "1000.00"
    assert [e.kind for e in (entrada, baixa, tarifa)] == [
        EntryKind.REGISTRATION,
        EntryKind.WRITE_OFF,
        EntryKind.FEE,
    ]
    assert tarifa.amount == Decimal("3.10")


def test_cnab240_other_segments_of_a_title_are_skipped_and_itau_nosso_numero_unwrapped() -> None:
    text = cnab240_return([Title("00001234", Decimal("99.90"), CREDIT)], bank="341", generated=DAY)
    lines = text.split("\r\n")
    # a segment Y after T/U (the bank's optional extra segment) inside the same batch
    y = Record(240).put(1, 3, "341").put(4, 7, "0001").put(8, 8, "3").put(9, 13, 3)
    y.put(14, 14, "Y").put(16, 17, "06")
    lines.insert(4, str(y))
    batch_trailer = Record(240).put(1, 3, "341").put(4, 7, "0001").put(8, 8, "5")
    lines[5] = str(batch_trailer.put(18, 23, 5))
    trailer = Record(240).put(1, 3, "341").put(4, 7, "9999").put(8, 8, "9")
    lines[6] = str(trailer.put(18, 23, 1).put(24, 29, 7))
    parsed = parse("\r\n".join(lines).encode())
    [entry] = parsed.entries
    assert (entry.nosso_numero, entry.amount, entry.bank_code) == (
        "00001234",
        Decimal("99.90"),
        "341",
    )


def test_cnab240_trailing_blanks_trimmed_by_the_export_are_tolerated() -> None:
    text = cnab240_return([Title("123", Decimal("10.00"), CREDIT)], generated=DAY)
    trimmed = "\n".join(line.rstrip() for line in text.splitlines()) + "\n\x1a"
    assert parse(trimmed.encode()).entries[0].amount == Decimal("10.00")


@pytest.mark.parametrize(
    ("mutate", "line", "field"),
    [
        (lambda ls: ls[:-1], 5, "tipo de registro"),  # cut: no file trailer
        (lambda ls: [ls[0], ls[1], ls[2], *ls[4:]], 3, "segmento"),  # T without its U
        (
            lambda ls: [*ls[:3], ls[3][:77] + "12X4567890ABCDE" + ls[3][92:], *ls[4:]],
            4,
            "valor pago",
        ),
        (
            lambda ls: [*ls[:3], ls[3][:137] + "31022026" + ls[3][145:], *ls[4:]],
            4,
            "data da ocorrência",
        ),
        (lambda ls: [*ls[:-1], ls[-1][:23] + "000009" + ls[-1][29:]], 6, "quantidade de registros"),
        (lambda ls: [ls[0][:142] + "1" + ls[0][143:], *ls[1:]], 1, "código remessa/retorno"),
        (lambda ls: [*ls[:2], ls[2] + "X", *ls[3:]], 3, "registro"),
    ],
)
def test_a_bad_cnab240_file_names_line_and_field(mutate, line, field) -> None:
    text = cnab240_return([Title("555", Decimal("10.00"), CREDIT)], generated=DAY)
    lines = mutate(text.split("\r\n")[:-1])
    with pytest.raises(BankFileError) as caught:
        parse("\r\n".join(lines).encode())
    assert (caught.value.line, caught.value.field) == (line, field)


def test_cnab400_itau_and_banco_do_brasil() -> None:
    itau = parse(
        cnab400_return(
            [
                Title("00004567", Decimal("250.00"), CREDIT, occurred_on=DAY, fee=Decimal("1.90")),
                Title("00004568", Decimal("100.00"), CREDIT, movement="07", nominal=Decimal("300")),
                Title("00004569", Decimal("0"), CREDIT, movement="02", nominal=Decimal("80")),
            ],
            bank="341",
            generated=CREDIT,
        ).encode()
    )
    assert (itau.kind, itau.bank_code) == ("cnab400", "341")
    paid, partial, entrada = itau.entries
    assert (paid.nosso_numero, paid.amount, paid.fee) == (
        "00004567",
        Decimal("250.00"),
        Decimal("1.90"),
    )
    assert (paid.occurred_on, paid.credited_on) == (DAY, CREDIT)
    assert partial.kind == EntryKind.PAYMENT and partial.amount == Decimal("100.00")
    assert entrada.kind == EntryKind.REGISTRATION
    bb = parse(
        cnab400_return(
            [Title("12345670000000321", Decimal("75.10"), CREDIT)], bank="001", generated=CREDIT
        ).encode()
    )
    assert (bb.bank_code, bb.entries[0].nosso_numero) == ("001", "12345670000000321")
    assert bb.entries[0].entry_id == "cnab400:001:12345670000000321:06:20260505:7510"


def test_cnab400_of_an_unsupported_bank_is_refused_on_line_1() -> None:
    text = cnab400_return([Title("1", Decimal("1"), CREDIT)], bank="237", generated=CREDIT)
    with pytest.raises(BankFileError) as caught:
        parse(text.encode())
    assert (caught.value.line, caught.value.field) == (1, "código do banco")


PIX_MEMO = "PIX RECEBIDO - Conceição Ação Ltda 11.222.333/0001-81 FAT00000042P1"


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_ofx_statements_1x_and_2x_in_cp1252_and_utf8(version: int, encoding: str) -> None:
    data = ofx_statement(
        [
            Transaction("20260505001", CREDIT, Decimal("1500.00"), memo=PIX_MEMO),
            Transaction(
                "20260505002", CREDIT, Decimal("-12.90"), memo="TARIFA PACOTE", trntype="FEE"
            ),
            Transaction("20260505003", CREDIT, Decimal("-300.00"), memo="PAGAMENTO FORNECEDOR"),
        ],
        version=version,
        encoding=encoding,
    )
    parsed = parse(data)
    assert (parsed.kind, parsed.bank_code) == ("ofx", "341")
    pix, fee, debit = parsed.entries
    assert pix.memo == PIX_MEMO  # accents read back whatever the encoding
    assert (pix.kind, pix.amount, pix.credited_on) == (
        EntryKind.PAYMENT,
        Decimal("1500.00"),
        CREDIT,
    )
    assert pix.payer_document == CNPJ
    assert pix.entry_id == "ofx:0341:12345-6:20260505001"
    assert (fee.kind, debit.kind) == (EntryKind.FEE, EntryKind.DEBIT)


def test_ofx_tolerates_what_bank_exports_do() -> None:
    """Mislabelled charset (UTF-8 bytes under CHARSET:1252), decimal comma, unclosed
    STMTTRN, unknown tags, entities."""
    body = (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
        "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        "<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><BANKACCTFROM><BANKID>001<ACCTID>9-9"
        "</BANKACCTFROM><BANKTRANLIST>\n<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260505"
        "<TRNAMT>1.234,56<FITID>A1<XBANKTAG>x<MEMO>Transferência recebida João &amp; Cia\n"
        "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260506100000[-3:BRT]<TRNAMT>10.00<FITID>A2\n"
        "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    ).encode()
    first, second = parse(data=body).entries
    assert first.amount == Decimal("1234.56")
    assert first.memo == "Transferência recebida João & Cia"
    assert second.credited_on == dt.date(2026, 5, 6)


@pytest.mark.parametrize(
    ("transaction", "field"),
    [
        ("<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260505<TRNAMT>10.00</STMTTRN>", "FITID"),
        ("<STMTTRN><DTPOSTED>2026-05-05<TRNAMT>10.00<FITID>X</STMTTRN>", "DTPOSTED"),
        ("<STMTTRN><DTPOSTED>20260505<TRNAMT>dez<FITID>X</STMTTRN>", "TRNAMT"),
    ],
)
def test_a_bad_ofx_transaction_names_line_and_field(transaction: str, field: str) -> None:
    data = f"OFXHEADER:100\n\n<OFX>\n<BANKTRANLIST>\n\n{transaction}\n</BANKTRANLIST></OFX>"
    with pytest.raises(BankFileError) as caught:
        parse(data.encode())
    assert (caught.value.line, caught.value.field) == (6, field)


def test_kind_is_detected_from_the_content() -> None:
    assert detect(_cnab240([Title("1", Decimal("1"), CREDIT)])) == "cnab240"
    assert detect(cnab400_return([], bank="341", generated=CREDIT).encode()) == "cnab400"
    assert detect(ofx_statement([], version=2)) == "ofx"
    with pytest.raises(BankFileError) as caught:
        parse(b"nome;valor\nfulano;10,00\n")
    assert (caught.value.line, caught.value.field) == (1, "file")
    with pytest.raises(BankFileError):
        parse(b"   \n")


def test_size_is_bounded() -> None:
    with pytest.raises(BankFileError, match="grande demais"):
        parse(_cnab240([Title("1", Decimal("1"), CREDIT)]), max_bytes=100)
