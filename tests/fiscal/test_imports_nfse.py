"""Importing NFS-e (fatura.fiscal.imports.nfse_import): the issuer's CSV, national XML
documents and cancellation events, one by one or zipped. Shares computed by hand, the coverage
rule, every error at once and nothing written after any."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fatura.core import clock
from fatura.core.errors import Forbidden, InvalidInput
from fatura.customers.models import Customer
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.fiscal.imports import ImportResult, nfse_import
from fatura.fiscal.models import Nfse, NfseCoverage, ServiceOrder
from fatura.receivables import services as receivables
from tests.factories import CustomerFactory

SP = ZoneInfo("America/Sao_Paulo")
BRT = dt.timezone(dt.timedelta(hours=-3))
NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nfse"
HEADER = "number,issued_at,value,customer_document,service_order_numbers,status\n"
ACME = "11222333000181"  # the tomador of the XML samples
GLOBEX = "45997418000153"
KEY_101 = "42024042200000000000000000000000010126031234561011"
KEY_102 = "42024042200000000000000000000000010226031234561022"
KEY_103 = "42024042200000000000000000000000010326031234561033"


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def acme(db: Any) -> Customer:
    customer: Any = CustomerFactory(name="Acme Ltda", document=ACME)
    return customer


@pytest.fixture
def globex(db: Any) -> Customer:
    customer: Any = CustomerFactory(name="Globex SA", document=GLOBEX)
    return customer


def order(number: str, customer: Customer, value: str) -> ServiceOrder:
    return ServiceOrder.objects.create(
        number=number,
        customer=customer,
        service_type="Desenvolvimento",
        team="Equipe Sul",
        value=Decimal(value),
        status="completed",
        completed_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=SP),
    )


@pytest.fixture
def sample_orders(acme: Customer) -> list[ServiceOrder]:
    """The orders the XML samples cover."""
    return [
        order("OS-1001", acme, "600.00"),
        order("OS-1002", acme, "400.00"),
        order("OS-1003", acme, "250.00"),
    ]


def csv_import(user: Any, text: str) -> ImportResult:
    return nfse_import(by=user, filename="nfse.csv", data=text.encode())


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def counts() -> tuple[int, int, int, int]:
    return (
        Nfse.objects.count(),
        NfseCoverage.objects.count(),
        Event.objects.count(),
        Nfse.objects.exclude(status="issued").count(),
    )


def shares(number: str) -> dict[str, Decimal]:
    return {
        c.service_order.number: c.value
        for c in NfseCoverage.objects.filter(nfse__number=number).select_related("service_order")
    }


def refused(user: Any, data: bytes, filename: str = "nfse.csv") -> list[dict[str, Any]]:
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        nfse_import(by=user, filename=filename, data=data)
    assert counts() == before  # nothing written
    return caught.value.errors


# --- CSV ---------------------------------------------------------------------------------


def test_value_split_in_proportion_to_the_orders_to_the_cent(fin_user: Any, acme: Any) -> None:
    for number in ("OS-1", "OS-2", "OS-3"):
        order(number, acme, "50.00")
    result = csv_import(
        fin_user,
        HEADER + f'7,2026-03-10T10:00:00-03:00,"100,00",{ACME},OS-1;OS-2;OS-3,emitida\n',
    )
    assert result == ImportResult(created=1)
    # 10000 cents over three equal weights: 3333 each and the cent left to the first
    assert shares("7") == {
        "OS-1": Decimal("33.34"),
        "OS-2": Decimal("33.33"),
        "OS-3": Decimal("33.33"),
    }
    nfse = Nfse.objects.get(number="7")
    assert (nfse.value, nfse.status, nfse.source, nfse.customer) == (
        Decimal("100.00"),
        "issued",
        "import",
        acme,
    )
    assert nfse.issued_at == dt.datetime(2026, 3, 10, 10, 0, tzinfo=BRT)


def test_unequal_orders_are_weighted_by_their_values(fin_user: Any, acme: Any) -> None:
    order("OS-1", acme, "700.00")
    order("OS-2", acme, "300.00")
    csv_import(fin_user, HEADER + f"8,2026-03-10,500.00,{ACME},OS-1;OS-2,issued\n")
    assert shares("8") == {"OS-1": Decimal("350.00"), "OS-2": Decimal("150.00")}


def test_explicit_shares_and_optional_columns(fin_user: Any, acme: Any) -> None:
    order("OS-1", acme, "1000.00")
    order("OS-2", acme, "1000.00")
    text = (
        "number;issued_at;value;customer_document;service_order_numbers;status;"
        "verification_code;iss_rate;iss_amount;net_value;service_code\n"
        '9;10/03/2026 10:00;1.000,00;11.222.333/0001-81;"OS-1=600,00;OS-2=400,00";Emitida;'
        "AB12CD34;2,5;25,00;975,00;010101\n"
    )
    assert csv_import(fin_user, text).created == 1
    assert shares("9") == {"OS-1": Decimal("600.00"), "OS-2": Decimal("400.00")}
    nfse = Nfse.objects.get(number="9")
    assert (nfse.verification_code, nfse.iss_rate, nfse.iss_amount, nfse.net_value) == (
        "AB12CD34",
        Decimal("2.50"),
        Decimal("25.00"),
        Decimal("975.00"),
    )
    assert nfse.service_code == "010101"
    assert nfse.issued_at == dt.datetime(2026, 3, 10, 10, 0, tzinfo=SP)


def test_shares_that_do_not_add_up_are_refused(fin_user: Any, acme: Any) -> None:
    order("OS-1", acme, "1000.00")
    order("OS-2", acme, "1000.00")
    errors = refused(
        fin_user,
        (HEADER + f'1,2026-03-10,"1000,00",{ACME},"OS-1=600,00;OS-2=300,00",emitida\n').encode(),
    )
    assert errors == [
        {
            "line": 2,
            "field": "service_order_numbers",
            "message": "As parcelas somam R$ 900,00, mas a NFS-e vale R$ 1.000,00.",
        }
    ]


def test_shares_for_some_orders_only_are_ambiguous(fin_user: Any, acme: Any) -> None:
    errors = refused(
        fin_user, (HEADER + f'2,2026-03-10,"1000,00",{ACME},"OS-1=600,00;OS-2",emitida\n').encode()
    )
    assert errors == [
        {
            "line": 2,
            "field": "service_order_numbers",
            "message": "Informe a parcela de todas as OS ou de nenhuma "
            "(ex.: OS-1=600,00;OS-2=400,00).",
        }
    ]


def test_a_shares_column_is_refused_clearly(fin_user: Any, acme: Any) -> None:
    errors = refused(
        fin_user,
        (HEADER.strip() + ",shares\n" + f"1,2026-03-10,1,{ACME},OS-1,emitida,OS-1:1\n").encode(),
    )
    assert [(e["line"], e["field"]) for e in errors] == [(1, "shares")]
    assert "OS-1=600,00;OS-2=400,00" in errors[0]["message"]


def test_an_order_split_over_two_nfse(fin_user: Any, acme: Any) -> None:
    order("OS-1", acme, "1000.00")
    order("OS-2", acme, "500.00")
    csv_import(
        fin_user,
        HEADER
        + f"20,2026-03-10,600.00,{ACME},OS-1,emitida\n"
        + f"21,2026-03-20,900.00,{ACME},OS-1=400.00;OS-2=500.00,emitida\n",
    )
    assert shares("20") == {"OS-1": Decimal("600.00")}
    assert shares("21") == {"OS-1": Decimal("400.00"), "OS-2": Decimal("500.00")}


def test_issued_coverage_may_not_exceed_the_order(fin_user: Any, acme: Any) -> None:
    order("OS-1", acme, "1000.00")
    csv_import(fin_user, HEADER + f"30,2026-03-10,700.00,{ACME},OS-1,emitida\n")
    errors = refused(
        fin_user,
        (
            HEADER
            + f"31,2026-03-11,200.00,{ACME},OS-1,emitida\n"
            + f"32,2026-03-12,200.00,{ACME},OS-1,emitida\n"
        ).encode(),
    )
    assert errors == [
        {
            "line": 3,
            "field": "service_order_numbers",
            "message": "A OS OS-1 vale R$ 1.000,00, mas as NFS-e emitidas a cobririam em "
            "R$ 1.100,00 (NFS-e 30, 31, 32).",
        }
    ]
    # a cancelled NFS-e no longer covers: cancelling 30 in the same file makes room
    result = csv_import(
        fin_user,
        HEADER
        + f"30,2026-03-10,700.00,{ACME},OS-1,cancelada\n"
        + f"31,2026-03-11,200.00,{ACME},OS-1,emitida\n"
        + f"32,2026-03-12,200.00,{ACME},OS-1,emitida\n",
    )
    assert result == ImportResult(created=2, updated=1, cancelled=1)


def test_every_bad_field_is_reported(fin_user: Any, acme: Any) -> None:
    errors = refused(
        fin_user,
        (
            HEADER
            + f"3,2026-03-10,200.00,{ACME},OS-1,emitida\n"
            + f"3,2026-03-10,100.00,{ACME},OS-1,emitida\n"
            + f"4,10/03/26,abc,{ACME},,anulada\n"
        ).encode(),
    )
    assert [(e["line"], e["field"], e["message"]) for e in errors] == [
        (3, "number", "NFS-e 3 repetida no arquivo (linha 2)."),
        (
            4,
            "issued_at",
            "Data inválida '10/03/26'; use AAAA-MM-DD[THH:MM[:SS][±HH:MM]] ou DD/MM/AAAA [HH:MM].",
        ),
        (4, "value", "Valor inválido 'abc'; use 1234,56 ou 1234.56."),
        (4, "service_order_numbers", "Informe as OS cobertas pela NFS-e (separadas por ;)."),
        (4, "status", "Situação inválida 'anulada'; use emitida, cancelada ou substituída."),
    ]


def test_database_errors_are_all_reported(fin_user: Any, acme: Any, globex: Any) -> None:
    order("OS-1", acme, "100.00")
    order("OS-G", globex, "100.00")
    errors = refused(
        fin_user,
        (
            HEADER
            + "1,2026-03-10,100.00,99999999000199,OS-1,emitida\n"
            + f"2,2026-03-10,100.00,{ACME},OS-404,emitida\n"
            + f"3,2026-03-10,200.00,{ACME},OS-1;OS-G,emitida\n"
        ).encode(),
    )
    assert [(e["line"], e["field"], e["message"]) for e in errors] == [
        (2, "customer_document", "Tomador 99999999000199 não cadastrado como cliente."),
        (3, "service_order_numbers", "OS OS-404 não cadastrada."),
        (4, "service_order_numbers", "OS OS-G é do cliente Globex SA, não do tomador da NFS-e."),
    ]


def test_cancelled_rows_statuses_and_events(fin_user: Any, acme: Any) -> None:
    order("OS-1", acme, "100.00")
    order("OS-2", acme, "100.00")
    order("OS-3", acme, "100.00")
    result = csv_import(
        fin_user,
        HEADER.strip()
        + ",cancelled_at,replaced_by\n"
        + f"40,2026-03-10T10:00:00-03:00,100.00,{ACME},OS-1,Cancelada,"
        + "2026-03-11T08:00:00-03:00,\n"
        + f"41,2026-03-10T11:00:00-03:00,100.00,{ACME},OS-2,substituída,,42\n"
        + f"42,2026-03-12T09:00:00-03:00,100.00,{ACME},OS-2,emitida,,\n"
        + f"43,2026-03-12T09:00:00-03:00,100.00,{ACME},OS-3,CANCELLED,,\n",
    )
    assert result == ImportResult(created=4, cancelled=3)
    statuses = dict(Nfse.objects.values_list("number", "status"))
    assert statuses == {"40": "cancelled", "41": "replaced", "42": "issued", "43": "cancelled"}
    forty, forty_one = Nfse.objects.get(number="40"), Nfse.objects.get(number="41")
    assert forty.cancelled_at == dt.datetime(2026, 3, 11, 8, 0, tzinfo=BRT)
    assert forty_one.cancelled_at == NOW  # the CSV does not say when: the import time
    assert forty_one.replaced_by == Nfse.objects.get(number="42")
    logged = [
        (e.case_id, e.activity, e.timestamp, e.attributes["nfse"])
        for e in Event.objects.order_by("timestamp", "id")
    ]
    assert logged == [
        ("OS-1", activities.NFSE_ISSUED, dt.datetime(2026, 3, 10, 13, 0, tzinfo=dt.UTC), "40"),
        ("OS-2", activities.NFSE_ISSUED, dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC), "41"),
        ("OS-1", activities.NFSE_CANCELLED, dt.datetime(2026, 3, 11, 11, 0, tzinfo=dt.UTC), "40"),
        ("OS-2", activities.NFSE_ISSUED, dt.datetime(2026, 3, 12, 12, 0, tzinfo=dt.UTC), "42"),
        ("OS-3", activities.NFSE_ISSUED, dt.datetime(2026, 3, 12, 12, 0, tzinfo=dt.UTC), "43"),
        ("OS-2", activities.NFSE_CANCELLED, NOW, "41"),
        ("OS-3", activities.NFSE_CANCELLED, NOW, "43"),
    ]
    replaced = Event.objects.get(activity=activities.NFSE_CANCELLED, attributes__nfse="41")
    assert (replaced.attributes["replaced"], replaced.attributes["replaced_by"]) == (True, "42")


def test_reimport_unchanged_then_cancelled_then_not_back(fin_user: Any, acme: Any) -> None:
    order("OS-1", acme, "100.00")
    row = f"50,2026-03-10T10:00:00-03:00,100.00,{ACME},OS-1,"
    csv_import(fin_user, HEADER + row + "emitida\n")
    before = counts()
    assert csv_import(fin_user, HEADER + row + "emitida\n") == ImportResult(unchanged=1)
    assert counts() == before
    assert csv_import(fin_user, HEADER + row + "cancelada\n") == ImportResult(
        updated=1, cancelled=1
    )
    nfse = Nfse.objects.get(number="50")
    assert (nfse.status, nfse.cancelled_at) == ("cancelled", NOW)
    assert Event.objects.filter(activity=activities.NFSE_CANCELLED).count() == 1
    assert csv_import(fin_user, HEADER + row + "cancelada\n") == ImportResult(unchanged=1)
    errors = refused(fin_user, (HEADER + row + "emitida\n").encode())
    assert errors == [
        {
            "line": 2,
            "field": "status",
            "message": "A NFS-e 50 está cancelada no sistema; o arquivo a traz como emitida.",
        }
    ]
    errors = refused(
        fin_user, (HEADER + f"50,2026-03-10T10:00:00-03:00,90.00,{ACME},OS-1,cancelada\n").encode()
    )
    assert errors[0]["message"] == "A NFS-e 50 já existe com outro valor dos serviços: R$ 100,00."


def test_nfse_events_use_the_invoice_as_case_when_billed_on_one(fin_user: Any, acme: Any) -> None:
    invoice = receivables.invoice_create(
        by=fin_user,
        customer=acme,
        kind="simple",
        issue_date=dt.date(2026, 3, 10),
        payment_terms="NET30",
        lines=[{"description": "Desenvolvimento", "quantity": "1", "unit_price": "100.00"}],
    )
    billed = order("OS-1", acme, "100.00")
    billed.invoice = invoice
    billed.save()
    csv_import(fin_user, HEADER + f"60,2026-03-10,100.00,{ACME},OS-1,emitida\n")
    issued = Event.objects.get(activity=activities.NFSE_ISSUED)
    assert issued.case_id == invoice.number


def test_operacao_may_not_import_nfse(ops_user: Any, acme: Any) -> None:
    with pytest.raises(Forbidden):
        csv_import(ops_user, HEADER + f"1,2026-03-10,1,{ACME},OS-1,emitida\n")


# --- XML ---------------------------------------------------------------------------------


def test_one_xml_nfse(fin_user: Any, sample_orders: Any) -> None:
    result = nfse_import(by=fin_user, filename="nfse-101.xml", data=fixture("nfse-101.xml"))
    assert result == ImportResult(created=1)
    nfse = Nfse.objects.get()
    assert (nfse.number, nfse.access_key, nfse.value, nfse.iss_rate) == (
        "101",
        KEY_101,
        Decimal("1000.00"),
        Decimal("2.00"),
    )
    assert (nfse.iss_amount, nfse.net_value, nfse.service_code) == (
        Decimal("20.00"),
        Decimal("980.00"),
        "010101",
    )
    assert nfse.issued_at == dt.datetime(2026, 3, 10, 10, 0, 5, tzinfo=BRT)
    assert nfse.xml == fixture("nfse-101.xml").decode()
    assert shares("101") == {"OS-1001": Decimal("600.00"), "OS-1002": Decimal("400.00")}
    assert sorted(Event.objects.values_list("case_id", "activity")) == [
        ("OS-1001", activities.NFSE_ISSUED),
        ("OS-1002", activities.NFSE_ISSUED),
    ]
    again = nfse_import(by=fin_user, filename="nfse-101.xml", data=fixture("nfse-101.xml"))
    assert again == ImportResult(unchanged=1)


def test_xml_fills_what_the_csv_did_not_say(fin_user: Any, sample_orders: Any) -> None:
    csv_import(
        fin_user, HEADER + f"101,2026-03-10T10:00:05-03:00,1000.00,{ACME},OS-1001;OS-1002,emitida\n"
    )
    result = nfse_import(by=fin_user, filename="nfse-101.xml", data=fixture("nfse-101.xml"))
    assert result == ImportResult(updated=1)
    nfse = Nfse.objects.get()
    assert (nfse.access_key, nfse.iss_amount, nfse.service_code) == (
        KEY_101,
        Decimal("20.00"),
        "010101",
    )
    assert Event.objects.count() == 2  # the issue was already logged by the CSV


def test_xml_against_the_schema_is_refused_with_its_message(
    fin_user: Any, sample_orders: Any
) -> None:
    data = fixture("nfse-101.xml").replace(b"<cTribNac>010101", b"<cTribNac>1.01.01")
    errors = refused(fin_user, data, "nfse-101.xml")
    assert errors == [
        {
            "line": 98,
            "field": "cTribNac",
            "file": "nfse-101.xml",
            "message": "Fora do leiaute nacional 1.01: Element 'cTribNac': [facet 'pattern'] "
            "The value '1.01.01' is not accepted by the pattern '[0-9]{6}'.",
        }
    ]


LOT = [
    "evento-e105102-nfse-101.xml",
    "evento-e101101-nfse-103.xml",
    "nfse-103.xml",
    "nfse-102.xml",
    "nfse-101.xml",
]


def check_lot() -> None:
    statuses = {n.number: (n.status, n.cancelled_at, n.replaced_by_id) for n in Nfse.objects.all()}
    substitute = Nfse.objects.get(number="102").pk
    assert statuses == {
        "101": ("replaced", dt.datetime(2026, 3, 12, 14, 30, 1, tzinfo=BRT), substitute),
        "102": ("issued", None, None),
        "103": ("cancelled", dt.datetime(2026, 3, 20, 9, 15, 2, tzinfo=BRT), None),
    }
    assert shares("102") == {"OS-1001": Decimal("600.00"), "OS-1002": Decimal("400.00")}
    cancelled = sorted(
        (e.case_id, e.timestamp, e.attributes["nfse"], e.attributes["replaced"])
        for e in Event.objects.filter(activity=activities.NFSE_CANCELLED)
    )
    assert cancelled == [
        ("OS-1001", dt.datetime(2026, 3, 12, 17, 30, 1, tzinfo=dt.UTC), "101", True),
        ("OS-1002", dt.datetime(2026, 3, 12, 17, 30, 1, tzinfo=dt.UTC), "101", True),
        ("OS-1003", dt.datetime(2026, 3, 20, 12, 15, 2, tzinfo=dt.UTC), "103", False),
    ]
    assert Event.objects.filter(activity=activities.NFSE_ISSUED).count() == 5


def test_zip_of_nfse_and_events_in_any_order(fin_user: Any, sample_orders: Any) -> None:
    result = nfse_import(by=fin_user, filename="nfse-lote.zip", data=fixture("nfse-lote.zip"))
    assert result == ImportResult(created=3, cancelled=2)
    check_lot()


def test_zip_order_does_not_matter(fin_user: Any, sample_orders: Any) -> None:
    data = zipped({name: fixture(name) for name in reversed(LOT)})
    assert nfse_import(by=fin_user, filename="l.zip", data=data) == ImportResult(
        created=3, cancelled=2
    )
    check_lot()


def test_events_for_nfse_imported_earlier(fin_user: Any, sample_orders: Any) -> None:
    for name in ("nfse-101.xml", "nfse-103.xml"):
        nfse_import(by=fin_user, filename=name, data=fixture(name))
    event = fixture("evento-e101101-nfse-103.xml")
    assert nfse_import(by=fin_user, filename="e.xml", data=event) == ImportResult(cancelled=1)
    assert nfse_import(by=fin_user, filename="e.xml", data=event) == ImportResult(unchanged=1)
    assert Nfse.objects.get(number="103").status == "cancelled"


def test_a_substitute_nfse_replaces_the_one_it_names(fin_user: Any, sample_orders: Any) -> None:
    """The DPS of 102 names 101 (subst/chSubstda): the national system cancels 101 when 102
    is generated, so importing 102 replaces 101 even before the event arrives."""
    nfse_import(by=fin_user, filename="101.xml", data=fixture("nfse-101.xml"))
    result = nfse_import(by=fin_user, filename="102.xml", data=fixture("nfse-102.xml"))
    assert result == ImportResult(created=1, cancelled=1)
    replaced = Nfse.objects.get(number="101")
    assert (replaced.status, replaced.replaced_by) == ("replaced", Nfse.objects.get(number="102"))
    assert replaced.cancelled_at == dt.datetime(2026, 3, 12, 14, 30, 0, tzinfo=BRT)  # 102's
    event = fixture("evento-e105102-nfse-101.xml")
    assert nfse_import(by=fin_user, filename="e.xml", data=event) == ImportResult(unchanged=1)


def test_event_for_an_unknown_nfse_is_refused(fin_user: Any, sample_orders: Any) -> None:
    errors = refused(fin_user, fixture("evento-e101101-nfse-103.xml"), "cancelamento.xml")
    assert errors == [
        {
            "line": 15,
            "field": "chNFSe",
            "file": "cancelamento.xml",
            "message": f"NFS-e com chave {KEY_103} não encontrada (nem cadastrada, nem neste "
            "envio).",
        }
    ]


def test_two_nfse_over_one_order_beyond_its_value_in_a_zip(
    fin_user: Any, sample_orders: Any
) -> None:
    twin = (
        fixture("nfse-101.xml")
        .replace(b"<nNFSe>101</nNFSe>", b"<nNFSe>201</nNFSe>")
        .replace(KEY_101.encode(), KEY_101.replace("101", "201", 1).encode())
    )
    data = zipped({"nfse-101.xml": fixture("nfse-101.xml"), "nfse-201.xml": twin})
    errors = refused(fin_user, data, "lote.zip")
    assert [(e["file"], e["line"], e["field"]) for e in errors] == [
        ("nfse-201.xml", 104, "xItemPed"),
        ("nfse-201.xml", 104, "xItemPed"),
    ]
    assert errors[0]["message"] == (
        "A OS OS-1001 vale R$ 600,00, mas as NFS-e emitidas a cobririam em R$ 1.200,00 "
        "(NFS-e 101, 201)."
    )


def test_zip_with_a_bad_member_imports_nothing(fin_user: Any, sample_orders: Any) -> None:
    members = {name: fixture(name) for name in LOT}
    members["leia-me.txt"] = b"notas de marco"
    members["nfse-104.xml"] = fixture("nfse-103.xml")[:1500]
    members["interno.zip"] = zipped({"a.xml": b"<a/>"})
    errors = refused(fin_user, zipped(members), "lote.zip")
    assert [(e["file"], e["field"]) for e in errors] == [
        ("interno.zip", "file"),
        ("leia-me.txt", "file"),
        ("nfse-104.xml", "file"),
    ]
    assert errors[0]["message"] == "Zip dentro de zip não é aceito."
    assert errors[1]["message"] == ("Não é um arquivo XML (o zip deve conter só XML de NFS-e).")
    assert errors[2]["message"].startswith("XML malformado:")


def test_zip_bounds(fin_user: Any, monkeypatch: pytest.MonkeyPatch, acme: Any) -> None:
    from fatura.fiscal import imports

    monkeypatch.setattr(imports, "MAX_ZIP_MEMBERS", 2)
    errors = refused(fin_user, zipped({f"{n}.xml": b"<a/>" for n in range(3)}), "z.zip")
    assert errors[0]["message"] == "O zip tem 3 arquivos; o limite é 2."
    monkeypatch.setattr(imports, "MAX_ZIP_BYTES", 10)
    errors = refused(fin_user, zipped({"a.xml": b"<a>" + b" " * 20 + b"</a>"}), "z.zip")
    assert errors[0]["message"] == "O zip descompactado passa de 0 MB; divida-o."
    errors = refused(fin_user, b"PK\x03\x04 not really a zip", "z.zip")
    assert errors[0]["message"] == "Zip corrompido ou incompleto."
