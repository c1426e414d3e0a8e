"""OFX bank statements: 1.x (SGML, element end tags optional, a ``KEY:VALUE`` header) and 2.x
(XML with ``<?OFX ...?>``), as Brazilian banks export them — cp1252 or UTF-8 (sometimes
mislabelled: UTF-8 bytes under ``CHARSET:1252``), decimal commas in ``TRNAMT``, end tags present
for some elements and not others, unknown tags anywhere (OFX 1.6 §2.3.1: skip them).

Only what settles invoices is read: the account (BANKID, ACCTID) and each ``STMTTRN`` (TRNTYPE,
DTPOSTED, TRNAMT, FITID, NAME, MEMO, PAYEEID, REFNUM, CHECKNUM). Why not ofxtools/ofxparse:
docs/decisions/0028-bank-files-and-matching.md."""

from __future__ import annotations

import datetime as dt
import html
import re
from bisect import bisect_left
from decimal import Decimal, InvalidOperation

from fatura.banking.files.common import (
    MAX_ENTRIES,
    MAX_LINES,
    BankFileError,
    EntryKind,
    ParsedEntry,
    ParsedFile,
    bounded_id,
    documents_in,
)

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9._]*)\s*>([^<]*)")
_HEADER_CHARSET = re.compile(rb"CHARSET\s*:\s*([A-Za-z0-9-]+)")
_HEADER_ENCODING = re.compile(rb"ENCODING\s*:\s*([A-Za-z0-9-]+)")
_XML_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9_-]+)[\"']")
_FEES = {"FEE", "SRVCHG"}
_FIELDS = {"TRNTYPE", "DTPOSTED", "TRNAMT", "FITID", "NAME", "MEMO", "PAYEEID", "REFNUM",
           "CHECKNUM"}  # fmt: skip


def looks_like(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].upper()
    return start.startswith((b"OFXHEADER", b"<?XML", b"<OFX")) or b"<OFX>" in head[:4096].upper()


def decode(data: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8 (whatever the header says: a cp1252 text with
    accents is almost never valid UTF-8), else the declared 8-bit charset, else cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    head = data[:1024]
    declared = _XML_ENCODING.search(head) or _HEADER_CHARSET.search(head)
    name = declared.group(1).decode("ascii").lower() if declared else ""
    candidates = {"1252": "cp1252", "8859-1": "latin-1", "iso-8859-1": "latin-1"}
    encoding = candidates.get(name, name if name not in ("", "none", "utf-8") else "cp1252")
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return data.decode("cp1252", errors="replace")


def parse(data: bytes) -> ParsedFile:
    text = decode(data)
    if text.count("\n") + 1 > MAX_LINES:
        raise BankFileError(f"Arquivo com mais de {MAX_LINES} linhas.", line=MAX_LINES + 1)
    start = text.upper().find("<OFX>")
    if start < 0:
        raise BankFileError("Não encontrei o elemento <OFX> do extrato.", field="OFX")
    newlines = [m.start() for m in re.finditer("\n", text)]
    bank = account = ""
    entries: list[ParsedEntry] = []
    current: dict[str, tuple[str, int]] | None = None
    opened_at = 0
    for match in _TAG.finditer(text, start):
        closing, tag, value = match.groups()
        tag = tag.upper()
        where = match.start()  # a position: turned into a line only when one is reported
        if tag == "STMTTRN":
            if closing:
                if current is None:
                    line = _line_of(newlines, where)
                    raise BankFileError(
                        f"Linha {line}: </STMTTRN> sem <STMTTRN>.", line=line, field="STMTTRN"
                    )
                entries.append(_entry(current, opened_at, bank, account, newlines))
                if len(entries) > MAX_ENTRIES:
                    raise BankFileError(
                        f"Extrato com mais de {MAX_ENTRIES} lançamentos.",
                        line=_line_of(newlines, where),
                    )
                current = None
            else:
                if current is not None:  # an unclosed transaction: the next one closes it
                    entries.append(_entry(current, opened_at, bank, account, newlines))
                current, opened_at = {}, where
            continue
        if closing:
            if current is not None and tag in ("BANKTRANLIST", "STMTRS", "CCSTMTRS"):
                entries.append(_entry(current, opened_at, bank, account, newlines))
                current = None
            continue
        content = (html.unescape(value) if "&" in value else value).strip()
        if current is not None:
            if tag in _FIELDS and content:
                current.setdefault(tag, (content, where))
        elif tag == "BANKID" and content:
            bank = content
        elif tag == "ACCTID" and content:
            account = content
    if current is not None:
        entries.append(_entry(current, opened_at, bank, account, newlines))
    bank_code = re.sub(r"\D", "", bank)[-3:].zfill(3) if bank else ""
    return ParsedFile(kind="ofx", bank_code=bank_code, entries=entries)


def _line_of(newlines: list[int], position: int) -> int:
    return bisect_left(newlines, position) + 1


def _at_line(error: BankFileError, line: int) -> BankFileError:
    message = error.message.replace("Linha 0:", f"Linha {line}:", 1)
    return BankFileError(message, line=line, field=error.field)


def _required(fields: dict[str, tuple[str, int]], name: str, opened_at: int) -> tuple[str, int]:
    """The field's text and line (``opened_at``: the transaction's line)."""
    if name not in fields:
        raise BankFileError(
            f"Linha {opened_at}: lançamento sem <{name}>.", line=opened_at, field=name
        )
    return fields[name]


def ofx_date(value: str, *, line: int, name: str) -> dt.date:
    """``YYYYMMDD[HHMMSS[.XXX]][[±h:TZ]]``: the date part is the day the bank booked it."""
    digits = value[:8]
    try:
        if not digits.isdigit():
            raise ValueError(value)
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise BankFileError(
            f"Linha {line}: data inválida em <{name}>: {value!r}.", line=line, field=name
        ) from None


def ofx_amount(value: str, *, line: int) -> Decimal:
    cleaned = value.replace(" ", "")
    if "," in cleaned:  # decimal comma (and dots grouping thousands), as some banks write
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(cleaned)
        if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
            raise InvalidOperation(value)
    except InvalidOperation:
        raise BankFileError(
            f"Linha {line}: valor inválido em <TRNAMT>: {value!r}.", line=line, field="TRNAMT"
        ) from None
    return amount.quantize(Decimal("0.01"))


def _entry(
    fields: dict[str, tuple[str, int]],
    opened_at: int,
    bank: str,
    account: str,
    newlines: list[int],
) -> ParsedEntry:
    """One STMTTRN; positions (``opened_at``, each field's) become lines here."""
    line = _line_of(newlines, opened_at)
    fitid, _ = _required(fields, "FITID", line)
    posted, posted_at = _required(fields, "DTPOSTED", line)
    raw_amount, amount_at = _required(fields, "TRNAMT", line)
    try:  # a field's line is found only when it is reported
        amount = ofx_amount(raw_amount, line=0)
        day = ofx_date(posted, line=0, name="DTPOSTED")
    except BankFileError as error:
        at = amount_at if error.field == "TRNAMT" else posted_at
        raise _at_line(error, _line_of(newlines, at)) from None
    trntype = fields.get("TRNTYPE", ("", 0))[0].upper()
    if trntype in _FEES:
        kind = EntryKind.FEE
    elif amount > 0:
        kind = EntryKind.PAYMENT
    else:
        kind = EntryKind.DEBIT
    name = fields.get("NAME", ("", 0))[0]
    memo = fields.get("MEMO", ("", 0))[0]
    payee = fields.get("PAYEEID", ("", 0))[0]
    documents = documents_in(" ".join((name, memo, payee)))
    return ParsedEntry(
        entry_id=bounded_id(f"ofx:{bank}:{account}:{fitid}"),
        kind=kind,
        line=line,
        movement=trntype,
        amount=abs(amount),
        credited_on=day,
        occurred_on=day,
        payer_document=documents[0] if len(documents) == 1 else "",
        payer_name=name[:120],
        memo=" ".join(part for part in (name, memo) if part)[:255],
        extras={
            key.lower(): fields[key][0][:80] for key in ("REFNUM", "CHECKNUM") if key in fields
        },
    )
