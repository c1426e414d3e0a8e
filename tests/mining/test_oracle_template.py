"""Every attribute of the Credit & Collections template an Oracle Fusion AR extract can fill
(status, region and country, business unit name, billing department, user names, end times)
and the odd cases: several installments, credit memo applications, write-offs by receivables
activity, absent optional tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from fatura.mining.readers.oracle_fusion import oracle_fusion_table
from tests.mining.test_oracle_fusion import AS_OF, ZONE, extract, replace

BRT = dt.timezone(dt.timedelta(hours=-3))
TEMPLATE = {
    "PER_USERS": "USERNAME,USER_ID,PERSON_ID\nana.souza,11,901\nBRUNO.LIMA,12,902\n"
    "CARLA.DIAS,13,903\nJULIA.ROCHA,14,904\n",
    "PER_PERSON_NAMES_F": "PERSON_ID,NAME_TYPE,DISPLAY_NAME\n901,LOCAL,Ana S.\n"
    "901,GLOBAL,Ana Souza\n902,GLOBAL,Bruno Lima\n903,GLOBAL,Carla Dias\n",
    "PER_ALL_ASSIGNMENTS_F": "PERSON_ID,ORGANIZATION_ID,PRIMARY_FLAG,ASSIGNMENT_TYPE,"
    "EFFECTIVE_START_DATE,EFFECTIVE_END_DATE\n"
    "901,71,Y,E,2020-01-01,2024-01-07\n901,72,Y,E,2024-01-08,4712-12-31\n"
    "901,79,N,E,2020-01-01,4712-12-31\n902,73,N,E,2020-01-01,4712-12-31\n"
    "902,74,Y,E,2020-01-01,4712-12-31\n902,75,Y,A,2020-01-01,4712-12-31\n",
    "HR_ALL_ORGANIZATION_UNITS": "ORGANIZATION_ID,NAME\n71,Faturamento SP\n72,Faturamento RJ\n"
    "74,Cobrança\n204,Unidade Brasil (HR)\n",
    "FUN_ALL_BUSINESS_UNITS_V": "BU_ID,BU_NAME\n204,Fatura Brasil\n205,Fatura US\n",
    "HZ_CUST_SITE_USES_ALL": "SITE_USE_ID,CUST_ACCT_SITE_ID,SITE_USE_CODE\n61,51,BILL_TO\n",
    "HZ_CUST_ACCT_SITES_ALL": "CUST_ACCT_SITE_ID,PARTY_SITE_ID\n51,41\n",
    "HZ_PARTY_SITES": "PARTY_SITE_ID,PARTY_ID,LOCATION_ID,IDENTIFYING_ADDRESS_FLAG\n"
    "41,9001,31,N\n42,9001,32,Y\n43,9002,33,Y\n44,9003,34,N\n",
    "HZ_LOCATIONS": "LOCATION_ID,COUNTRY,STATE,CITY\n31,BR,RJ,Rio de Janeiro\n"
    "32,BR,SP,São Paulo\n33,BR,MG,Belo Horizonte\n34,US,TX,Austin\n",
}


def _trx_with_site() -> str:
    text = replace(
        "RA_CUSTOMER_TRX_ALL", "LAST_PRINTED_DATE\n", "LAST_PRINTED_DATE,BILL_TO_SITE_USE_ID\n"
    )
    lines = text.splitlines()
    sites = ["", "", "", "61", ""]  # header, INV-1001, INV-1002, INV-1003 (site 61), INV-1004
    return (
        "\n".join(
            f"{line},{site}" if i else line
            for i, (line, site) in enumerate(zip(lines, sites, strict=False))
        )
        + "\n"
    )


def rows(folder: Path) -> list[dict[str, Any]]:
    return oracle_fusion_table(folder, zone=ZONE, as_of=AS_OF).to_pylist()


def case(table: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(r for r in table if r["case_id"] == name)


def test_every_template_attribute(tmp_path: Path) -> None:
    folder = extract(tmp_path, RA_CUSTOMER_TRX_ALL=_trx_with_site(), **TEMPLATE)
    table = rows(folder)
    first = case(table, "INV-1001")
    assert first["business_unit"] == "Fatura Brasil"  # the name, not the id
    assert first["business_unit_id"] == "204"
    assert (first["region"], first["country"]) == ("SP", "BR")  # the identifying address
    assert (case(table, "INV-1003")["region"], case(table, "INV-1003")["country"]) == ("RJ", "BR")
    # no identifying address: the party's first site
    assert (case(table, "INV-1004")["region"], case(table, "INV-1004")["country"]) == ("TX", "US")
    # the creator's primary employee assignment effective at the creation date
    assert first["billing_department"] == "Faturamento SP"  # created 2024-01-05
    assert case(table, "INV-1002")["billing_department"] == "Faturamento RJ"  # 2024-01-10
    assert case(table, "INV-1004")["billing_department"] == "Cobrança"
    assert {(r["invoice_status"], r["payment_schedule_status"]) for r in table} == {
        ("closed", "CL")
    }
    created = [r for r in table if r["activity"] == "Invoice Created"]
    assert {(r["case_id"], r["resource"], r["user_id"]) for r in created} == {
        ("INV-1001", "Ana Souza", "ANA.SOUZA"),  # user names without case; the GLOBAL name
        ("INV-1002", "Ana Souza", "ANA.SOUZA"),
        ("INV-1003", "Bruno Lima", "BRUNO.LIMA"),
        ("INV-1004", "Bruno Lima", "BRUNO.LIMA"),
    }
    applied = [r for r in table if r["activity"] == "Payment Applied to Invoice"]
    assert {r["resource"] for r in applied} == {"Carla Dias", "CAIXA.BOT"}  # unknown: raw
    # a person without a name row keeps the raw user
    dispute = case([r for r in table if r["activity"] == "Dispute Registered"], "INV-1003")
    assert dispute["resource"] == "JULIA.ROCHA"


def test_end_times_of_disputes_and_approval_requests(tmp_path: Path) -> None:
    table = rows(extract(tmp_path))
    ends = sorted(
        (r["case_id"], r["activity"], r["timestamp"], r["end_timestamp"])
        for r in table
        if r["end_timestamp"]
    )
    utc = dt.UTC
    assert ends == [
        (
            "INV-1001",
            "Invoice Sent for Approval",
            dt.datetime(2024, 1, 5, 12, 30, tzinfo=utc),
            dt.datetime(2024, 1, 5, 19, tzinfo=utc),  # approved
        ),
        (
            "INV-1003",
            "Dispute Registered",
            dt.datetime(2024, 2, 5, 13, tzinfo=utc),
            dt.datetime(2024, 2, 20, 18, tzinfo=utc),  # END_DATE
        ),
        (
            "INV-1003",
            "Invoice Sent for Approval",
            dt.datetime(2024, 1, 15, 14, 30, tzinfo=utc),
            dt.datetime(2024, 1, 16, 13, tzinfo=utc),  # rejected
        ),
        (
            "INV-1003",
            "Invoice Sent for Approval",
            dt.datetime(2024, 1, 17, 12, tzinfo=utc),
            dt.datetime(2024, 1, 19, 17, tzinfo=utc),  # resubmitted, then approved
        ),
    ]
    assert all(r["end_timestamp"] >= r["timestamp"] for r in table if r["end_timestamp"])


def test_several_installments_are_several_payment_schedules(tmp_path: Path) -> None:
    schedules = (
        "PAYMENT_SCHEDULE_ID,CUSTOMER_TRX_ID,DUE_DATE,AMOUNT_DUE_ORIGINAL,AMOUNT_DUE_REMAINING,"
        "STATUS,GL_DATE_CLOSED\n"
        "400001,300001,2024-02-04,1500.00,0,CL,2024-02-01\n"
        "400002,300002,2024-02-09,2300.50,0,CL,11-MAR-24\n"
        "400031,300003,2024-02-14,2000.00,0,CL,2024-02-25\n"
        "400032,300003,2024-03-14,1500.00,0,CL,2024-02-25\n"
        "400033,300003,2024-04-14,1500.00,1500.00,OP,31-DEC-4712\n"
        "400004,300004,2024-02-20,800.00,0,CL,2024-04-10\n"
    )
    table = rows(extract(tmp_path, AR_PAYMENT_SCHEDULES_ALL=schedules))
    third = case(table, "INV-1003")
    assert third["installments"] == 3
    assert third["amount"] == Decimal("5000")
    assert third["due_date"] == dt.date(2024, 2, 14)  # the first installment's
    assert (third["invoice_status"], third["payment_schedule_status"]) == ("open", "OP")
    acts = [r["activity"] for r in table if r["case_id"] == "INV-1003"]
    assert "Invoice Closed" not in acts
    assert acts.count("Due Date Passed") == 2  # the late and the open installments
    assert case(table, "INV-1001")["installments"] == 1


def test_credit_memo_applications(tmp_path: Path) -> None:
    trx = replace(
        "RA_CUSTOMER_TRX_ALL",
        "300004,INV-1004",
        "300009,CM-1009,20-FEB-24,2024-02-20 15:00:00,JULIA.ROCHA,1001,204,4,BRL,Y,\n"
        "300004,INV-1004",
    )
    applications = (
        "RECEIVABLE_APPLICATION_ID,CASH_RECEIPT_ID,APPLIED_CUSTOMER_TRX_ID,CUSTOMER_TRX_ID,"
        "APPLICATION_TYPE,AMOUNT_APPLIED,APPLY_DATE,CREATED_BY\n"
        "510001,500001,300001,,CASH,1500.00,2024-02-01,CAIXA.BOT\n"
        "510009,,300003,300009,CM,200.00,2024-02-21,JULIA.ROCHA\n"
    )
    table = rows(
        extract(tmp_path, RA_CUSTOMER_TRX_ALL=trx, AR_RECEIVABLE_APPLICATIONS_ALL=applications)
    )
    credit = [r for r in table if r["activity"] == "Credit Note Issued"]
    assert [(r["case_id"], r["credit_memo_number"], r["credit_amount"]) for r in credit] == [
        ("INV-1003", "CM-1009", Decimal("200"))
    ]
    assert not [
        r for r in table if r["case_id"] == "INV-1003" and r["activity"] == "Payment Received"
    ]


def test_write_off_by_receivables_activity(tmp_path: Path) -> None:
    adjustments = (
        "ADJUSTMENT_ID,CUSTOMER_TRX_ID,AMOUNT,CREATION_DATE,TYPE,REASON_CODE,RECEIVABLES_TRX_ID\n"
        "700001,300003,-200.00,2024-02-20 15:00:00,INVOICE,PRICING ERROR,1\n"
        "700002,300004,-800.00,2024-04-10 10:00:00,INVOICE,UNCOLLECTIBLE,2\n"
    )
    activities = (
        "RECEIVABLES_TRX_ID,NAME,TYPE\n1,Price adjustment,ADJUST\n2,Bad Debt Write-off,ADJUST\n"
    )
    table = rows(
        extract(tmp_path, AR_ADJUSTMENTS_ALL=adjustments, AR_RECEIVABLES_TRX_ALL=activities)
    )
    kinds = {(r["case_id"], r["activity"]) for r in table if r["activity"].startswith("Invoice ")}
    assert ("INV-1004", "Invoice Written Off") in kinds
    assert ("INV-1003", "Invoice Adjusted") in kinds
    assert ("INV-1003", "Invoice Written Off") not in kinds


def test_absent_optional_tables_leave_the_attributes_empty(tmp_path: Path) -> None:
    folder = extract(
        tmp_path,
        **dict.fromkeys(("HZ_CUST_ACCOUNTS", "HZ_PARTIES", "APPROVAL_HISTORY")),
        **{k: v for k, v in TEMPLATE.items() if k in ("HZ_PARTY_SITES", "PER_USERS")},
    )
    table = oracle_fusion_table(folder, zone=ZONE, as_of=AS_OF)
    for name in ("region", "country", "billing_department"):
        assert table.column(name).null_count == table.num_rows, name
    assert set(table.column("business_unit").to_pylist()) == {"204", "205"}  # the ids
    assert "user_id" not in table.column_names  # no names: the raw users stay
    assert table.schema.field("installments").type == pa.int64()
