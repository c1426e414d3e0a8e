"""Importing service orders from CSV (fatura.fiscal.imports.service_orders_import): values and
dates read as a fiscal team writes them, every bad line reported at once, nothing written after
any error, re-imports that fill dates, and the events each step leaves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fatura.core.errors import Forbidden, InvalidInput
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.fiscal.imports import ImportResult, service_orders_import
from fatura.fiscal.models import ServiceOrder
from tests.factories import CustomerFactory, UserFactory

SP = ZoneInfo("America/Sao_Paulo")
HEADER = "number,customer_document,service_type,team,completed_at,billed_at,value\n"
ACME = "11222333000181"
GLOBEX = "45997418000153"


@pytest.fixture
def customers(db: Any) -> dict[str, Any]:
    return {
        "acme": CustomerFactory(name="Acme Ltda", document=ACME),
        "globex": CustomerFactory(name="Globex SA", document=GLOBEX),
    }


def run(user: Any, text: str, *, encoding: str = "utf-8") -> ImportResult:
    return service_orders_import(by=user, filename="os.csv", data=text.encode(encoding))


def errors_of(user: Any, text: str, **kw: Any) -> list[tuple[int, str]]:
    with pytest.raises(InvalidInput) as caught:
        run(user, text, **kw)
    return [(e["line"], e["field"]) for e in caught.value.errors]


def counts() -> tuple[int, int]:
    return ServiceOrder.objects.count(), Event.objects.count()


def test_orders_are_created_with_status_and_events(fin_user: Any, customers: Any) -> None:
    result = run(
        fin_user,
        HEADER + f"OS-1,{ACME},Instalação,Equipe Sul,2026-03-02T10:00:00-03:00,2026-03-05T16:30,"
        '"1.234,56"\n'
        f"OS-2,11.222.333/0001-81,Manutenção,Equipe Norte,2026-03-03,,980.00\n"
        f"OS-3,{GLOBEX},Instalação,Equipe Sul,,,0\n",
    )
    assert result == ImportResult(created=3, updated=0, unchanged=0)
    one, two, three = ServiceOrder.objects.order_by("number")
    assert (one.customer, one.value, one.status, one.source) == (
        customers["acme"],
        Decimal("1234.56"),
        "billed",
        "import",
    )
    assert one.completed_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=SP)
    assert one.billed_at == dt.datetime(2026, 3, 5, 16, 30, tzinfo=SP)  # naive: São Paulo
    assert (two.status, two.completed_at, two.billed_at) == (
        "completed",
        dt.datetime(2026, 3, 3, 0, 0, tzinfo=SP),  # a date alone: 00:00 local
        None,
    )
    assert (three.status, three.completed_at, three.value) == ("open", None, Decimal("0.00"))
    logged = [
        (e.case_id, e.activity, e.timestamp, e.user, e.attributes["team"])
        for e in Event.objects.order_by("timestamp", "id")
    ]
    assert logged == [
        ("OS-1", activities.SERVICE_ORDER_COMPLETED, one.completed_at, "fin", "Equipe Sul"),
        ("OS-2", activities.SERVICE_ORDER_COMPLETED, two.completed_at, "fin", "Equipe Norte"),
        ("OS-1", activities.SERVICE_ORDER_BILLED, one.billed_at, "fin", "Equipe Sul"),
    ]
    billed = Event.objects.get(activity=activities.SERVICE_ORDER_BILLED)
    assert billed.attributes["amount"] == "1234.56"
    assert billed.attributes["customer_document"] == ACME


def test_excel_file_bom_cp1252_semicolon_and_brazilian_dates(fin_user: Any, customers: Any) -> None:
    text = (
        "Number;Customer_Document;Service_Type;Team;Completed_At;Billed_At;Value;Observação\n"
        f"OS-9;{ACME};Manutenção elétrica;Equipe São Paulo;02/03/2026 14:05;10/03/2026;"
        "2.500,00;ignorada\n"
    )
    result = service_orders_import(
        by=fin_user, filename="os.csv", data=b"\xef\xbb\xbf" + text.encode("utf-8")
    )
    assert result.created == 1
    order = ServiceOrder.objects.get()
    assert (order.service_type, order.team, order.value) == (
        "Manutenção elétrica",
        "Equipe São Paulo",
        Decimal("2500.00"),
    )
    assert order.completed_at == dt.datetime(2026, 3, 2, 14, 5, tzinfo=SP)
    assert order.billed_at == dt.datetime(2026, 3, 10, 0, 0, tzinfo=SP)

    windows = text.replace("OS-9", "OS-10").encode("cp1252")
    assert b"\xe7\xe3o" in windows  # "ção" in Windows-1252, not UTF-8
    assert service_orders_import(by=fin_user, filename="os.csv", data=windows).created == 1
    assert ServiceOrder.objects.get(number="OS-10").service_type == "Manutenção elétrica"


def test_undecodable_bytes_are_refused_with_their_line(fin_user: Any, customers: Any) -> None:
    data = HEADER.encode() + f"OS-1,{ACME},Instala\x81,E,,,1\n".encode("latin-1")
    with pytest.raises(InvalidInput) as caught:
        service_orders_import(by=fin_user, filename="os.csv", data=data)
    assert caught.value.errors == [
        {
            "line": 2,
            "field": "file",
            "message": "Linha 2: o byte 0x81 não é texto UTF-8 nem Windows-1252; salve o "
            "arquivo como CSV UTF-8.",
        }
    ]


def test_missing_column_is_named(fin_user: Any, customers: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        run(fin_user, "number,customer_document,service_type,completed_at,value\nOS-1\n")
    assert caught.value.errors == [
        {"line": 1, "field": "header", "message": "Colunas ausentes: team, billed_at."}
    ]


def test_every_bad_line_and_field_is_reported_and_nothing_written(
    fin_user: Any, customers: Any
) -> None:
    before = counts()
    text = (
        HEADER
        + f"OS-1,{ACME},Instalação,Sul,2026-03-02,2026-03-01,100.00\n"  # 2: billed before
        + f"OS-2,{ACME},Instalação,Sul,,2026-03-01,100.00\n"  # 3: billed, never completed
        + f"OS-3,{ACME},Instalação,Sul,31/02/2026,,100.00\n"  # 4: no 31 February
        + f"OS-4,{ACME},Instalação,Sul,2026-03-02,,10.005\n"  # 5: three places
        + f"OS-5,{ACME},Instalação,Sul,2026-03-02,,-1\n"  # 6: negative
        + f"OS-6,{ACME},Instalação,Sul,2026-03-02,,dez reais\n"  # 7: not a number
        + "OS-7,99.999.999/0001-99,Instalação,Sul,2026-03-02,,1\n"  # 8: unknown customer
        + "OS-8,123,,Sul,ontem,,1\n"  # 9: document, service type, date
        + "\n"  # 10: blank, skipped
        + f"OS-1,{ACME},Instalação,Sul,2026-03-02,,100.00\n"  # 11: repeated number
        + f"OS-9,{ACME},Instalação,Sul,2026-03-02T10:00:00-03:00,,5\n"  # fine
    )
    assert errors_of(fin_user, text) == [
        (2, "billed_at"),
        (3, "billed_at"),
        (4, "completed_at"),
        (5, "value"),
        (6, "value"),
        (7, "value"),
        (8, "customer_document"),
        (9, "customer_document"),
        (9, "service_type"),
        (9, "completed_at"),
        (11, "number"),
    ]
    assert counts() == before
    with pytest.raises(InvalidInput) as caught:
        run(fin_user, text)
    messages = {(e["line"], e["field"]): e["message"] for e in caught.value.errors}
    assert messages[(2, "billed_at")] == "Faturamento antes da conclusão."
    assert messages[(3, "billed_at")] == "OS faturada sem data de conclusão."
    assert messages[(5, "value")] == "Mais de 2 casas decimais: '10.005'."
    assert messages[(8, "customer_document")] == "Cliente 99999999000199 não cadastrado."
    assert messages[(11, "number")] == "OS OS-1 repetida no arquivo (linha 2)."
    assert caught.value.message.startswith("O arquivo os.csv tem 11 erro(s) na(s) linha(s) 2, 3")


def test_reimporting_the_same_file_changes_nothing(fin_user: Any, customers: Any) -> None:
    text = HEADER + f"OS-1,{ACME},Instalação,Sul,2026-03-02 10:00,2026-03-05,100\n"
    run(fin_user, text)
    before = counts()
    assert run(fin_user, text) == ImportResult(created=0, updated=0, unchanged=1)
    assert counts() == before


def test_a_later_file_fills_completion_and_billing(fin_user: Any, customers: Any) -> None:
    run(fin_user, HEADER + f"OS-1,{ACME},Instalação,Sul,,,100\nOS-2,{ACME},Instalação,Sul,,,50\n")
    assert Event.objects.count() == 0
    result = run(
        fin_user,
        HEADER
        + f"OS-1,{ACME},Instalação,Sul,2026-03-02 10:00,2026-03-05 09:00,100\n"
        + f"OS-2,{ACME},Instalação,Sul,,,50\n",
    )
    assert result == ImportResult(created=0, updated=1, unchanged=1)
    order = ServiceOrder.objects.get(number="OS-1")
    assert order.status == "billed"
    assert order.billed_at == dt.datetime(2026, 3, 5, 9, 0, tzinfo=SP)
    assert [(e.case_id, e.activity) for e in Event.objects.order_by("timestamp")] == [
        ("OS-1", activities.SERVICE_ORDER_COMPLETED),
        ("OS-1", activities.SERVICE_ORDER_BILLED),
    ]
    # then only the billing: one more event, for the new step only
    run(fin_user, HEADER + f"OS-2,{ACME},Instalação,Sul,2026-03-03,,50\n")
    result = run(fin_user, HEADER + f"OS-2,{ACME},Instalação,Sul,2026-03-03,2026-03-04,50\n")
    assert result.updated == 1
    assert Event.objects.filter(case_id="OS-2").count() == 2


def test_a_registered_order_said_otherwise_is_an_error(fin_user: Any, customers: Any) -> None:
    run(fin_user, HEADER + f"OS-1,{ACME},Instalação,Sul,2026-03-02,,100\n")
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        run(
            fin_user,
            HEADER
            + f"OS-1,{GLOBEX},Instalação,Norte,2026-03-03,,150\n"
            + f"OS-2,{ACME},Instalação,Sul,,,1\n",
        )
    assert [(e["line"], e["field"], e["message"]) for e in caught.value.errors] == [
        (2, "customer_document", "A OS OS-1 é do cliente Acme Ltda (11.222.333/0001-81)."),
        (2, "team", "A OS OS-1 já existe com outra equipe: Sul."),
        (2, "value", "A OS OS-1 já existe com outro valor: R$ 100,00."),
        (2, "completed_at", "A OS OS-1 já existe com outra data de conclusão: 02/03/2026 00:00."),
    ]
    assert counts() == before


def test_operacao_may_import_and_others_may_not(ops_user: Any, customers: Any) -> None:
    assert run(ops_user, HEADER + f"OS-1,{ACME},Instalação,Sul,,,1\n").created == 1
    with pytest.raises(Forbidden):
        run(UserFactory(username="visitante"), HEADER + f"OS-2,{ACME},Instalação,Sul,,,1\n")


def test_a_spreadsheet_is_not_a_csv(fin_user: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        service_orders_import(by=fin_user, filename="os.xlsx", data=b"PK\x03\x04rest")
    assert "planilha" in caught.value.errors[0]["message"]


def test_big_files_read_the_database_in_chunks_not_per_row(fin_user: Any, customers: Any) -> None:
    rows = "".join(
        f"OS-{n},{ACME if n % 2 else GLOBEX},Instalação,Sul,2026-03-02,2026-03-03,10\n"
        for n in range(5000)
    )
    with CaptureQueriesContext(connection) as queries:
        assert run(fin_user, HEADER + rows).created == 5000
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) <= 5  # the customers (1 chunk), the orders (3 chunks of 2000), roles
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    # bulk inserts: as many as the database's parameter limit needs, far fewer than rows
    assert len(inserts) < 200
    assert Event.objects.count() == 10_000
