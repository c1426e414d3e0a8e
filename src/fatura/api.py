"""The JSON API root: /api/v1. Authentication, and the one place that maps domain errors to
HTTP statuses."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from fatura import __version__
from fatura.core.errors import DomainError
from fatura.core.models import ApiToken
from fatura.core.openapi import document_errors
from fatura.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, TOTAL_HEADER
from fatura.core.schemas import error_message
from fatura.core.tokens import token_get, token_issue, token_revoke


class BearerToken(HttpBearer):
    """``request.auth`` is the live ``ApiToken`` (logout revokes it); ``request.user`` its
    user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = token_get(token)
        if api_token is not None:
            request.user = api_token.user
        return api_token


class FaturaApi(NinjaAPI):
    """Ninja's API with the error answers of every operation in its OpenAPI document."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_errors(schema)


api = FaturaApi(
    title="Fatura API",
    version=__version__,
    description=(
        "Cobrança e recebíveis. Valores em BRL como texto decimal com duas casas "
        '("947.63"); meses como "AAAA-MM". Autentique-se em POST /auth/token e envie '
        "`Authorization: Bearer <token>`.\n\n"
        "Listas (GET /invoices, /payments, /consumptions, /events, /service-orders, /nfse) vêm "
        f"em páginas: `limit` (1 a {MAX_LIMIT}; padrão {DEFAULT_LIMIT}) e `offset` (itens a "
        "pular). O corpo é a lista da página, sem envelope; o total de itens que os filtros "
        f"selecionam vem no cabeçalho `{TOTAL_HEADER}` e a próxima página, enquanto houver, no "
        '`Link` (rel="next"), com os mesmos filtros.'
    ),
    auth=BearerToken(),
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, Any] = {"detail": exc.message}
    if exc.errors:
        body["errors"] = exc.errors
    return api.create_response(request, body, status=exc.status)


# Where ninja found a parameter: the first part of an error's ``loc``, not part of the field name
# (``query.month`` is reported as ``month``, like the services do).
_PARAM_SOURCES = frozenset({"body", "query", "path", "file", "form", "header", "cookie"})


def _field_name(loc: list[Any]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] == "query":  # a repeated parameter: its name, not its position
        parts = [part for part in parts if not part.isdigit()]
    if parts and parts[0] in _PARAM_SOURCES:
        parts = parts[1:]
    return ".".join(part for part in parts if part != "payload")


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(list(err.get("loc", []))), "message": error_message(err)}
        for err in exc.errors
    ]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return api.create_response(
        request, {"detail": f"Dados inválidos — {summary}", "errors": errors}, status=422
    )


@api.exception_handler(MultiPartParserError)
def _multipart_error(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    """A multipart body without a boundary or that cannot be parsed: 400, never 500."""
    message = (
        "Corpo multipart/form-data inválido (sem boundary ou malformado); "
        "envie o arquivo no campo file."
    )
    return api.create_response(
        request, {"detail": message, "errors": [{"field": "file", "message": message}]}, status=400
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Não autenticado: envie Authorization: Bearer <token>."}, status=401
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class ErrorOut(Schema):
    detail: str


@api.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut},
    tags=["auth"],
    description=(
        f"Troca usuário e senha por um token. Após {settings.FATURA_LOGIN_FAILURE_LIMIT} falhas "
        "para um usuário a partir de um mesmo endereço, esse par fica bloqueado por "
        f"{settings.FATURA_LOGIN_LOCKOUT_MINUTES} minutos (429); outros usuários e endereços "
        "não são afetados."
    ),
)
def auth_token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    key = token_issue(request=request, username=payload.username, password=payload.password)
    return {"token": key}


@api.post(
    "/auth/logout",
    response={204: None, 401: ErrorOut},
    tags=["auth"],
    description="Revoga o token enviado em Authorization: daí em diante ele recebe 401.",
)
def auth_logout(request: HttpRequest) -> HttpResponse:
    token_revoke(token=cast(ApiToken, request.auth))  # type: ignore[attr-defined]
    return HttpResponse(status=204)


def _register_routers() -> None:
    from fatura.banking.api import router as banking_router
    from fatura.banking.bank_files_api import router as bank_files_router
    from fatura.billing.api import router as billing_router
    from fatura.catalog.api import router as catalog_router
    from fatura.customers.api import router as customers_router
    from fatura.customers.terms_api import router as payment_terms_router
    from fatura.eventlog.api import router as events_router
    from fatura.fiscal.api.danfse import router as nfse_danfse_router
    from fatura.fiscal.api.delays import router as delay_reasons_router
    from fatura.fiscal.api.issuing import router as nfse_issuing_router
    from fatura.fiscal.api.kpi import router as fiscal_kpi_router
    from fatura.fiscal.api.nfse import router as nfse_router
    from fatura.fiscal.api.orders import service_orders_router, settings_router
    from fatura.forecast.api import router as forecast_router
    from fatura.mining.api import router as mining_router
    from fatura.receivables.api import router as receivables_router
    from fatura.receivables.periods_api import router as periods_router
    from fatura.receivables.reports_api import router as reports_router
    from fatura.usage.api import router as usage_router

    api.add_router("/customers", customers_router)
    api.add_router("/payment-terms", payment_terms_router)
    api.add_router("/billing-items", catalog_router)
    api.add_router("/consumptions", usage_router)
    # before receivables: its POST /invoices/{number}/{action} would catch /invoices/{n}/nfse
    api.add_router("/", nfse_issuing_router)  # POST /invoices/{n}/nfse, /nfse/{n}/cancel
    api.add_router("/", billing_router)
    # before receivables: its POST /invoices/{number}/{action} would shadow GET .../prediction
    api.add_router("/", forecast_router)
    api.add_router("/", banking_router)  # GET /invoices/{number}/pix|boleto, /remittances
    api.add_router("/", bank_files_router)  # /bank-files, /bank-entries
    api.add_router("/", receivables_router)
    api.add_router("/", reports_router)
    api.add_router("/", periods_router)  # /periods, close and reopen a month
    api.add_router("/events", events_router)
    api.add_router("/mining", mining_router)
    api.add_router("/service-orders", service_orders_router)
    api.add_router("/nfse", nfse_router)
    api.add_router("/nfse", nfse_danfse_router)  # GET /nfse/{number}/danfse.pdf
    api.add_router("/settings", settings_router)
    api.add_router("/kpis", fiscal_kpi_router)
    api.add_router("/delay-reasons", delay_reasons_router)


_register_routers()
