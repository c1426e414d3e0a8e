"""GET /api/v1/mining/logs/{id}/cases (the per-invoice derived attributes, paginated, sorted,
filtered) and its CSV / Parquet export; every 4xx."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from fatura.mining.models import MinedLog
from fatura.mining.services import log_import
from tests.factories import UserFactory

FIVE = Path(__file__).resolve().parent / "fixtures" / "five_invoices"


@pytest.fixture
def log(settings: Any, tmp_path: Path) -> MinedLog:
    settings.DATA_DIR = tmp_path / "data"
    return log_import(FIVE / "netsuite", name="five", zone="America/Sao_Paulo", as_of="2024-04-29")


@pytest.mark.django_db
def test_cases_are_paginated_sorted_and_filtered(fin_api: Any, log: MinedLog) -> None:
    url = f"/mining/logs/{log.pk}/cases"
    first = fin_api.get(url, params={"limit": 2, "sort": "days_overdue", "order": "desc"})
    assert first.status_code == 200
    assert first["X-Total-Count"] == "5"
    assert 'rel="next"' in first["Link"] and "offset=2" in first["Link"]
    assert [c["case_id"] for c in first.json()] == ["INV-4", "INV-2"]
    row = first.json()[0]
    assert (row["days_overdue"], row["written_off"], row["paid"]) == (70, True, False)
    assert row["amount"] == "800.00" or row["amount"] == 800.0
    rest = fin_api.get(url, params={"limit": 2, "offset": 4, "sort": "days_overdue"})
    assert rest["X-Total-Count"] == "5" and "Link" not in rest
    late = fin_api.get(url, params={"where": ["days_overdue>0", "segment=Enterprise"]}).json()
    assert [c["case_id"] for c in late] == ["INV-3", "INV-4"]
    on_time = fin_api.get(url, params={"where": "is_paid_on_time=true"}).json()
    assert [(c["case_id"], c["dso_days"]) for c in on_time] == [("INV-1", 27.0)]
    by_dso = fin_api.get(url, params={"sort": "dso_days"}).json()
    assert [c["case_id"] for c in by_dso] == ["INV-1", "INV-3", "INV-2", "INV-4", "INV-5"]


@pytest.mark.django_db
def test_the_export_is_csv_or_parquet(fin_api: Any, log: MinedLog) -> None:
    url = f"/mining/logs/{log.pk}/cases/export"
    answer = fin_api.get(url, params={"where": "days_overdue>0"})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    lines = answer.content.decode().splitlines()
    assert lines[0].startswith("case_id,customer,segment")
    assert [line.split(",")[0] for line in lines[1:]] == ["INV-2", "INV-3", "INV-4"]
    parquet = fin_api.get(url, params={"format": "parquet", "sort": "amount", "order": "desc"})
    assert parquet["Content-Type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.column("case_id").to_pylist() == ["INV-3", "INV-2", "INV-5", "INV-1", "INV-4"]
    assert str(table.schema.field("due_at").type) == "timestamp[us, tz=UTC]"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"where": "days_overdue>lots"}, 422, "where"),
        ({"where": "nothing=1"}, 422, "where"),
        ({"where": "due_at>1"}, 422, "where"),
        ({"sort": "password"}, 422, "sort"),
        ({"order": "up"}, 422, "order"),
        ({"limit": 0}, 422, "limit"),
        ({"limit": 1001}, 422, "limit"),
        ({"offset": -1}, 422, "offset"),
    ],
)
def test_bad_parameters_are_422s_naming_the_field(
    fin_api: Any, log: MinedLog, params: dict[str, Any], status: int, field: str
) -> None:
    answer = fin_api.get(f"/mining/logs/{log.pk}/cases", params=params)
    assert answer.status_code == status, answer.content
    assert field in str(answer.json()["errors"])


@pytest.mark.django_db
def test_auth_and_missing_log(fin_api: Any, api_as: Any, client: Any, log: MinedLog) -> None:
    assert fin_api.get("/mining/logs/9999/cases").status_code == 404
    assert fin_api.get("/mining/logs/9999/cases/export").status_code == 404
    assert client.get(f"/api/v1/mining/logs/{log.pk}/cases").status_code == 401
    assert client.get(f"/api/v1/mining/logs/{log.pk}/cases/export").status_code == 401
    no_role = api_as(UserFactory(username="semperfil"))
    assert no_role.get(f"/mining/logs/{log.pk}/cases").status_code == 403
    assert no_role.get(f"/mining/logs/{log.pk}/cases/export").status_code == 403
    bad_format = fin_api.get(f"/mining/logs/{log.pk}/cases/export", params={"format": "xlsx"})
    assert bad_format.status_code == 422


@pytest.mark.django_db
def test_the_summary_takes_derived_filters_measured_as_of_the_import(
    fin_api: Any, log: MinedLog
) -> None:
    url = f"/mining/logs/{log.pk}/summary"
    # imported as of 2024-04-29: INV-4 (due 2024-02-20, written off, unpaid) is 70 days
    # overdue at the end of that day, INV-2 and INV-3 were paid within 30 days of due
    assert fin_api.get(url, params={"where": "days_overdue>69"}).json()["cases"] == 1
    assert fin_api.get(url, params={"where": "days_overdue>70"}).json()["cases"] == 0
    assert fin_api.get(url, params={"where": "is_paid_on_time=false"}).json()["cases"] == 2


@pytest.mark.django_db
def test_the_filter_options_name_the_derived_attributes(fin_api: Any, log: MinedLog) -> None:
    derived = fin_api.get(f"/mining/logs/{log.pk}/filters").json()["derived"]
    assert derived["days_overdue"] == "number" and derived["is_paid_on_time"] == "bool"
    assert "due_at" not in derived  # instants are filtered with from:/to:


def test_the_schema_states_the_enums_and_limits() -> None:
    from fatura.api import api

    schema = api.get_openapi_schema()
    operation = schema["paths"]["/api/v1/mining/logs/{log_id}/cases"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert "days_overdue" in str(parameters["sort"]) and "enum" in str(parameters["sort"])
    assert parameters["limit"]["maximum"] == 1000
    assert "maxLength" in str(parameters["where"])
