"""The customer's late charges (issue 11 §4): fine and monthly interest percents, bounded,
through POST /customers and PATCH /customers/{id}; null takes the settings' default."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fatura.core.errors import InvalidInput
from fatura.customers.services import customer_create, customer_update
from fatura.eventlog.models import Event
from tests.factories import CustomerFactory, financeiro

pytestmark = pytest.mark.django_db

BODY = {"name": "Juros Ltda", "document": "11.222.333/0001-81"}


def _patch(api, path, data):
    return api._call("patch", path, data)


def test_create_with_rates_and_without(fin_api):
    with_rates = fin_api.post(
        "/customers", {**BODY, "late_fine_percent": "2", "late_interest_monthly_percent": 1}
    )
    assert with_rates.status_code == 201
    assert with_rates.json()["late_fine_percent"] == "2.00"
    assert with_rates.json()["late_interest_monthly_percent"] == "1.00"
    plain = fin_api.post("/customers", {"name": "Sem", "document": "529.982.247-25"})
    assert plain.status_code == 201
    assert plain.json()["late_fine_percent"] is None
    assert plain.json()["late_interest_monthly_percent"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("late_fine_percent", "20.01"),
        ("late_fine_percent", "-1"),
        ("late_fine_percent", "2.001"),
        ("late_fine_percent", "abc"),
        ("late_interest_monthly_percent", "10.01"),
        ("late_interest_monthly_percent", 11),
        ("late_interest_monthly_percent", "0.005"),
    ],
)
def test_out_of_bounds_is_422_naming_the_field(fin_api, field, value):
    response = fin_api.post("/customers", {**BODY, field: value})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_bounds_themselves_are_accepted(fin_api):
    response = fin_api.post(
        "/customers", {**BODY, "late_fine_percent": "20.00", "late_interest_monthly_percent": "10"}
    )
    assert response.status_code == 201
    assert response.json()["late_fine_percent"] == "20.00"


def test_patch_sets_and_null_goes_back_to_the_default(fin_api):
    customer = CustomerFactory()
    path = f"/customers/{customer.pk}"
    response = _patch(fin_api, path, {"late_fine_percent": "2.5"})
    assert response.status_code == 200
    assert response.json()["late_fine_percent"] == "2.50"
    assert response.json()["late_interest_monthly_percent"] is None
    updated = Event.objects.filter(
        case_id=f"customer:{customer.document}", activity="Customer Updated"
    ).get()
    assert updated.attributes["changed"] == "late_fine_percent"
    # a PATCH without the field leaves it; null resets it
    assert _patch(fin_api, path, {"region": "Sul"}).json()["late_fine_percent"] == "2.50"
    assert _patch(fin_api, path, {"late_fine_percent": None}).json()["late_fine_percent"] is None
    bad = _patch(fin_api, path, {"late_interest_monthly_percent": "12"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "late_interest_monthly_percent"


def test_service_reads_brazilian_decimals_and_refuses_out_of_bounds():
    by = financeiro()
    customer = customer_create(
        by=by, **BODY, late_fine_percent="1,5", late_interest_monthly_percent=Decimal("0.33")
    )
    assert (customer.late_fine_percent, customer.late_interest_monthly_percent) == (
        Decimal("1.50"),
        Decimal("0.33"),
    )
    with pytest.raises(InvalidInput) as refused:
        customer_update(
            by=by,
            customer_id=customer.pk,
            late_fine_percent="25",
            late_interest_monthly_percent="-1",
        )
    assert {e["field"] for e in refused.value.errors} == {
        "late_fine_percent",
        "late_interest_monthly_percent",
    }


def test_openapi_states_the_limits(fin_api):
    schemas = fin_api.get("/openapi.json").json()["components"]["schemas"]
    for name in ("CustomerIn", "CustomerPatch"):
        fine = schemas[name]["properties"]["late_fine_percent"]
        interest = schemas[name]["properties"]["late_interest_monthly_percent"]
        assert "20" in str(fine) and "'maximum': 20" in str(fine)
        assert "'maximum': 10" in str(interest)
