"""``--automation-users``: users whose events count as automated (``fatura import-log``).

The users are compared without case, blanks or dashes (``System``, ``SYSTEM``, ``-System-``;
the NetSuite reader's rule, :func:`fatura.mining.readers.netsuite.automation_users`) and always
include ``system``. An event is automated when its resource is one of them; a log that already
says ``is_automated`` keeps it, and an event of one of the users becomes automated too. An event
without a resource keeps what the log said (else unknown: null).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.log import RESOURCE

FLAG = "is_automated"


def user_keys(users: Iterable[str]) -> tuple[str, ...]:
    """``system`` and ``users``, normalized (casefolded, without blanks, dashes, underscores)."""
    from fatura.mining.readers.netsuite import automation_users

    return automation_users(["system", *users])


def split_users(text: str | None) -> list[str]:
    """``"Robot, batch-job"`` -> ``["Robot", "batch-job"]`` (blanks dropped)."""
    return [u.strip() for u in (text or "").split(",") if u.strip()]


def with_automation_users(table: pa.Table, users: Iterable[str]) -> pa.Table:
    """``table`` (a canonical log table) with ``is_automated`` set for the users' events."""
    if RESOURCE not in table.column_names:
        return table
    resource = table.column(RESOURCE).combine_chunks()
    if not pa.types.is_string(resource.type):
        resource = resource.cast(pa.string())
    key = pc.utf8_lower(pc.replace_substring_regex(resource, r"[\s\-_]+", ""))
    theirs = pc.is_in(key, pa.array(list(user_keys(users)), pa.string()))
    if FLAG in table.column_names:
        said = table.column(FLAG).combine_chunks().cast(pa.bool_())
        flag = pc.if_else(pc.fill_null(theirs, False), True, said)
        return table.set_column(table.column_names.index(FLAG), FLAG, flag)
    flag = pc.if_else(pc.is_valid(resource), theirs, pa.scalar(None, pa.bool_()))
    return table.append_column(FLAG, flag)
