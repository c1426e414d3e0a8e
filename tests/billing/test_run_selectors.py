"""``billing.selectors`` for the billing run page: the month's latest run, a run by id."""

from __future__ import annotations

import pytest

from fatura.billing.runs import billing_run_request
from fatura.billing.selectors import billing_run_find, billing_run_latest
from tests.scenarios import APRIL, MAY


@pytest.fixture(autouse=True)
def _own_cache(settings, request):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


def test_latest_run_of_the_month_and_by_id(fin_user, django_capture_on_commit_callbacks):
    assert billing_run_latest(APRIL) is None
    with django_capture_on_commit_callbacks(execute=False):
        run = billing_run_request(by=fin_user, month=APRIL, result_center="CR", ticket="T")
    assert billing_run_latest(APRIL) == run
    assert billing_run_latest(MAY) is None
    assert billing_run_find(run.pk) == run
    assert billing_run_find(run.pk + 1) is None
