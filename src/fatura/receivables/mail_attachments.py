"""A port: the files an invoice's e-mail carries besides the invoice PDF, which only a higher
app can make (fiscal's DANFSe of the invoice's NFS-e; decision 0039). Receivables sits below
them, so they register a provider at start-up (``AppConfig.ready``), as banking registers the
payment instructions (decision 0008, :mod:`fatura.receivables.payment_instructions`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fatura.receivables.models import Invoice


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


Provider = Callable[[Invoice], list[Attachment]]
_PROVIDERS: dict[str, Provider] = {}


def mail_attachments_register(name: str, provider: Provider) -> None:
    """Register (or replace: ``ready`` may run twice in tests) an app's attachments."""
    _PROVIDERS[name] = provider


def mail_attachments(invoice: Invoice) -> list[Attachment]:
    """The attachments every registered provider gives for ``invoice``, by provider name."""
    found: list[Attachment] = []
    for name in sorted(_PROVIDERS):
        found.extend(_PROVIDERS[name](invoice))
    return found
