"""How much input the app accepts: the size of a request body (an upload) and how far a
compressed file may expand when it is read. Both come from the settings
(``FATURA_MAX_UPLOAD_MB``, default 50; ``FATURA_MAX_UNPACKED_MB``, default 500).

The mining readers import no Django: the services read these values here and pass them down as
parameters (``max_unpacked=``)."""

from __future__ import annotations

MB = 1024 * 1024
# A CSV cell longer than this is refused with its row (Python's csv default, made explicit).
MAX_CSV_CELL = 128 * 1024


def max_upload_bytes() -> int:
    """The largest request body accepted (413 beyond it)."""
    from django.conf import settings  # here: pure modules read MAX_CSV_CELL without Django

    return int(getattr(settings, "FATURA_MAX_UPLOAD_MB", 50)) * MB


def max_unpacked_bytes() -> int:
    """The most a compressed upload (.gz, .zip) may expand to when it is read."""
    from django.conf import settings

    return int(getattr(settings, "FATURA_MAX_UNPACKED_MB", 500)) * MB


def megabytes(size: int) -> str:
    return f"{size / MB:.0f} MB"
