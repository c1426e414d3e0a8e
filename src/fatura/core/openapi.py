"""The error answers every operation of /api/v1 can give, written into its OpenAPI document.

Ninja documents only the statuses a handler declares; the answers that come from the one place
that maps errors (``fatura.api``) apply to every operation alike, so they are added here from
what the operation takes: 422 and 404 where it takes any input (the body names the fields; an id
names a row), 400 where it takes a body (one that cannot be parsed), 401 and 403 where it needs
a token, 409 where it writes (a rule of the business forbids the action now), 413 where it takes
a file. The token endpoints (tag auth) answer no 403, 404 nor 409."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = "Error"

_ERROR = {
    "title": ERROR_SCHEMA,
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "Mensagem para quem usa."},
        "errors": {
            "type": "array",
            "description": "Um item por campo recusado (field: o nome do campo; na importação "
            "de arquivos, row: a linha).",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "row": {"type": "integer"},
                },
                "required": ["field", "message"],
            },
        },
    },
    "required": ["detail"],
}

_DESCRIPTIONS = {
    "400": "Requisição malformada",
    "401": "Não autenticado",
    "403": "Sem o papel necessário",
    "404": "Não encontrado",
    "409": "Uma regra do negócio impede a ação agora",
    "413": "Arquivo acima do limite",
    "422": "Dados inválidos: errors[].field diz qual campo",
}

_WRITES = frozenset({"post", "put", "patch", "delete"})
_METHODS = _WRITES | {"get", "head", "options"}


def _error_response(status: str) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS[status],
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}
        },
    }


def _statuses(method: str, operation: dict[str, Any]) -> list[str]:
    parameters = operation.get("parameters", [])
    body = operation.get("requestBody")
    # the token endpoints (tag auth) name no row and check no role nor rule of the business
    business = "auth" not in operation.get("tags", [])
    statuses = []
    if parameters or body:
        statuses.append("422")
        if business:
            statuses.append("404")  # an id in the path, the query or the body names a row
    if body:
        statuses.append("400")  # a body that cannot be parsed (JSON, multipart)
    if operation.get("security"):
        statuses += ["401", "403"] if business else ["401"]
    if method in _WRITES and business:
        statuses.append("409")
    if body and "multipart/form-data" in body.get("content", {}):
        statuses.append("413")
    return statuses


def _form_fields_not_empty(operation: dict[str, Any]) -> None:
    """In a multipart form an empty value is no value (Django drops an empty file, ninja an
    empty field): a required one has at least one byte or character."""
    content = operation.get("requestBody", {}).get("content", {})
    form = content.get("multipart/form-data", {}).get("schema", {})
    for name in form.get("required", []):
        field = form.get("properties", {}).get(name)
        if field is not None and field.get("type") == "string":
            field.setdefault("minLength", 1)


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error answers to each operation of ``schema`` (in place; returned for chaining).
    A status an operation already documents keeps its own description and body."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_SCHEMA, _ERROR)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            _form_fields_not_empty(operation)
            responses = operation.setdefault("responses", {})
            declared = {str(status) for status in responses}
            for status in _statuses(method, operation):
                if status not in declared:
                    responses[status] = _error_response(status)
    return schema
