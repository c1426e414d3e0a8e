"""Bank files as a bank would send them back, built from the same layouts the readers follow:
the demo year's return files and statements, the tests' fixtures and the benchmark use them.
A record is a blank line of the layout's width with fields put at their positions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Title:
    """One movement of a boleto in a return file."""

    nosso_numero: str
    amount_paid: Decimal
    credited_on: dt.date
    movement: str = "06"
    nominal: Decimal | None = None
    occurred_on: dt.date | None = None
    interest: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")
    fee: Decimal = Decimal("0.00")
    payer_document: str = ""
    payer_name: str = ""
    document_number: str = ""


@dataclass(frozen=True)
class Transaction:
    """One line of a bank statement."""

    fitid: str
    posted_on: dt.date
    amount: Decimal  # positive: money in
    memo: str = ""
    name: str = ""
    trntype: str = ""


class Record:
    def __init__(self, width: int) -> None:
        self.chars = [" "] * width

    def put(
        self, start: int, end: int, value: str | int | Decimal, *, numeric: bool = False
    ) -> Record:
        size = end - start + 1
        if isinstance(value, Decimal):
            text = str(int((value * 100).to_integral_value())).zfill(size)
        elif numeric or isinstance(value, int):
            text = str(value).zfill(size)
        else:
            text = str(value).ljust(size)
        if len(text) != size:
            raise ValueError(f"{value!r} does not fit positions {start}-{end}")
        self.chars[start - 1 : end] = list(text)
        return self

    def __str__(self) -> str:
        return "".join(self.chars)


def _ddmmyyyy(day: dt.date | None) -> str:
    return day.strftime("%d%m%Y") if day else "00000000"


def _ddmmyy(day: dt.date | None) -> str:
    return day.strftime("%d%m%y") if day else "000000"


def _document(digits: str) -> tuple[str, str]:
    if not digits:
        return "0", "0" * 15
    return ("1" if len(digits) == 11 else "2"), digits.zfill(15)


def cnab240_return(
    titles: list[Title], *, bank: str = "001", generated: dt.date, sequence: int = 1
) -> str:
    """A CNAB 240 return file: one batch of segments T and U (FEBRABAN positions)."""
    lines: list[str] = []
    header = Record(240).put(1, 3, bank).put(4, 7, "0000").put(8, 8, "0").put(18, 18, "2")
    header.put(19, 32, "12345678000195").put(73, 102, "FATURA SERVICOS LTDA")
    header.put(143, 143, "2").put(144, 151, _ddmmyyyy(generated)).put(152, 157, "080000")
    header.put(158, 163, sequence).put(164, 166, "087")
    lines.append(str(header))
    lines.append(
        str(
            Record(240)
            .put(1, 3, bank)
            .put(4, 7, "0001")
            .put(8, 8, "1")
            .put(9, 9, "T")
            .put(10, 11, "01")
            .put(14, 16, "045")
        )
    )
    seq = 0
    for title in titles:
        kind, number = _document(title.payer_document)
        nn = f"109{title.nosso_numero}0" if bank == "341" else title.nosso_numero
        seq += 1
        t = Record(240).put(1, 3, bank).put(4, 7, "0001").put(8, 8, "3").put(9, 13, seq)
        t.put(14, 14, "T").put(16, 17, title.movement).put(38, 57, nn)
        t.put(59, 73, title.document_number).put(74, 81, _ddmmyyyy(title.credited_on))
        t.put(82, 96, title.nominal if title.nominal is not None else title.amount_paid)
        t.put(97, 99, bank).put(131, 132, "09").put(133, 133, kind).put(134, 148, number)
        t.put(149, 188, title.payer_name[:40]).put(199, 213, title.fee)
        lines.append(str(t))
        seq += 1
        u = Record(240).put(1, 3, bank).put(4, 7, "0001").put(8, 8, "3").put(9, 13, seq)
        u.put(14, 14, "U").put(16, 17, title.movement).put(18, 32, title.interest)
        u.put(33, 47, title.discount).put(48, 62, Decimal(0)).put(63, 77, Decimal(0))
        u.put(78, 92, title.amount_paid).put(
            93, 107, max(title.amount_paid - title.fee, Decimal(0))
        )
        u.put(108, 122, Decimal(0)).put(123, 137, Decimal(0))
        u.put(138, 145, _ddmmyyyy(title.occurred_on or title.credited_on))
        u.put(146, 153, _ddmmyyyy(title.credited_on))
        lines.append(str(u))
    batch_records = len(lines)  # header of the batch .. details, + its trailer
    lines.append(
        str(Record(240).put(1, 3, bank).put(4, 7, "0001").put(8, 8, "5").put(18, 23, batch_records))
    )
    lines.append(
        str(
            Record(240)
            .put(1, 3, bank)
            .put(4, 7, "9999")
            .put(8, 8, "9")
            .put(18, 23, 1)
            .put(24, 29, len(lines) + 1)
        )
    )
    return "\r\n".join(lines) + "\r\n"


def cnab400_return(titles: list[Title], *, bank: str = "341", generated: dt.date) -> str:
    """A CNAB 400 return file of Itaú (detail type 1) or Banco do Brasil (type 7)."""
    header = Record(400).put(1, 9, "02RETORNO").put(10, 11, "01").put(12, 26, "COBRANCA")
    header.put(77, 79, bank).put(80, 94, "ITAU" if bank == "341" else "BANCO DO BRASIL")
    header.put(95, 100, _ddmmyy(generated)).put(395, 400, 1)
    lines = [str(header)]
    for title in titles:
        d = Record(400).put(1, 1, "1" if bank == "341" else "7").put(2, 3, "02")
        d.put(4, 17, "12345678000195")
        if bank == "341":
            d.put(83, 85, "109").put(86, 93, title.nosso_numero).put(94, 94, "0")
            d.put(108, 108, "I").put(296, 301, _ddmmyy(title.credited_on))
            d.put(176, 188, title.fee).put(325, 354, title.payer_name[:30])
        else:
            d.put(64, 80, title.nosso_numero).put(176, 181, _ddmmyy(title.credited_on))
            d.put(182, 188, title.fee)
        d.put(109, 110, title.movement).put(
            111, 116, _ddmmyy(title.occurred_on or title.credited_on)
        )
        d.put(117, 126, title.document_number).put(147, 152, _ddmmyy(title.credited_on))
        d.put(153, 165, title.nominal if title.nominal is not None else title.amount_paid)
        d.put(166, 168, bank).put(228, 240, Decimal(0)).put(241, 253, title.discount)
        d.put(254, 266, title.amount_paid).put(267, 279, title.interest)
        d.put(395, 400, len(lines) + 1)
        lines.append(str(d))
    lines.append(str(Record(400).put(1, 4, "9201").put(5, 7, bank).put(395, 400, len(lines) + 1)))
    return "\r\n".join(lines) + "\r\n"


def ofx_statement(
    transactions: list[Transaction],
    *,
    version: int = 1,
    bank: str = "0341",
    account: str = "12345-6",
    encoding: str = "cp1252",
) -> bytes:
    """An OFX statement: 1.x SGML (end tags left out of elements, as banks export it) or 2.x
    XML; bytes in ``encoding``."""
    body: list[str] = []
    for trn in transactions:
        trntype = trn.trntype or ("CREDIT" if trn.amount > 0 else "DEBIT")
        fields = [
            ("TRNTYPE", trntype),
            ("DTPOSTED", trn.posted_on.strftime("%Y%m%d") + "120000[-3:BRT]"),
            ("TRNAMT", f"{trn.amount:.2f}"),
            ("FITID", trn.fitid),
        ]
        if trn.name:
            fields.append(("NAME", _escape(trn.name)))
        if trn.memo:
            fields.append(("MEMO", _escape(trn.memo)))
        if version == 1:
            inner = "\n".join(f"<{tag}>{value}" for tag, value in fields)
        else:
            inner = "\n".join(f"<{tag}>{value}</{tag}>" for tag, value in fields)
        body.append(f"<STMTTRN>\n{inner}\n</STMTTRN>")
    statement = (
        "<OFX>\n<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        "<LANGUAGE>POR</LANGUAGE></SONRS></SIGNONMSGSRSV1>\n<BANKMSGSRSV1><STMTTRNRS>"
        "<TRNUID>1</TRNUID><STMTRS><CURDEF>BRL</CURDEF>\n<BANKACCTFROM>"
        f"<BANKID>{bank}</BANKID><ACCTID>{account}</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE>"
        "</BANKACCTFROM>\n<BANKTRANLIST>\n" + "\n".join(body) + "\n</BANKTRANLIST>\n"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>\n"
    )
    if version == 1:
        charset = "1252" if encoding == "cp1252" else "NONE"
        label = "USASCII" if encoding == "cp1252" else "UTF-8"
        head = (
            f"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:{label}\n"
            f"CHARSET:{charset}\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        )
    else:
        xml_encoding = "windows-1252" if encoding == "cp1252" else "UTF-8"
        head = (
            f'<?xml version="1.0" encoding="{xml_encoding}" standalone="no"?>\n'
            '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" '
            'NEWFILEUID="NONE"?>\n'
        )
    return (head + statement).encode(encoding)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
