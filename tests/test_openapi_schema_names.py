"""django-ninja names an OpenAPI component after its class: two schema classes of one name
overwrite each other in /api/v1/openapi.json, so one of the two operations is documented with
the other's body (GET /periods once answered fiscal's {from, to}). Every schema class of the
API has a name of its own."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

import fatura.api  # noqa: F401  (mounts every router, importing every schema module)


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def test_every_api_schema_has_a_name_of_its_own() -> None:
    modules: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("fatura."):
            modules[cls.__name__].add(cls.__module__)
    clashes = {name: sorted(where) for name, where in modules.items() if len(where) > 1}
    assert clashes == {}
