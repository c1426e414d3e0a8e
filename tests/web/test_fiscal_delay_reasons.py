"""Fiscal → Pendências: setting a late order's delay reason (decision 0034)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fatura.core import clock
from fatura.eventlog import activities
from fatura.eventlog.models import Event
from fatura.fiscal.models import DelayReason, ServiceOrder
from tests.fiscal.kpi_builders import SP, March, march
from tests.web.conftest import text


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 3, 31, 23, 0, tzinfo=SP))


@pytest.fixture
def month(db: Any) -> March:
    return march()


def test_the_backlog_sets_a_reason_and_splits_the_value_at_risk(
    fin_client: Client, ops_client: Client, month: March
) -> None:
    page = text(fin_client.get("/fiscal/pendencias/"))
    assert 'action="/fiscal/pendencias/OS-5/motivo/"' in page
    assert "Aguardando pedido de compra do cliente (A pedido do cliente)" in page
    assert 'id="backlog-kind-none"' in page
    reason = DelayReason.objects.get(label="Aguardando pedido de compra do cliente")
    url = "/fiscal/pendencias/OS-5/motivo/"
    denied = ops_client.post(url, {"reason_id": reason.pk}, follow=True)
    assert "Somente" in text(denied) or denied.status_code == 403
    assert ServiceOrder.objects.get(number="OS-5").delay_reason_id is None
    done = fin_client.post(url, {"reason_id": reason.pk, "note": "PC 123"}, follow=True)
    assert done.status_code == 200
    after = text(done)
    assert "Motivo de atraso registrado na OS OS-5" in after
    order = ServiceOrder.objects.get(number="OS-5")
    assert (order.delay_reason_id, order.delay_note) == (reason.pk, "PC 123")
    assert Event.objects.filter(activity=activities.DELAY_REASON_RECORDED).count() == 1
    split = after.split('id="backlog-kind-customer"')[1].split("</tr>")[0]
    assert ">1<" in split and "R$ 400,00" in split
    bad = text(fin_client.post(url, {"reason_id": "x"}, follow=True))
    assert "Escolha um motivo de atraso." in bad
    unknown = text(
        fin_client.post("/fiscal/pendencias/OS-404/motivo/", {"reason_id": reason.pk}, follow=True)
    )
    assert "OS-404" in unknown


def test_the_dashboard_card_splits_the_late_value_by_kind(fin_client: Client, month: March) -> None:
    reason = DelayReason.objects.get(label="Aprovação interna pendente")
    ServiceOrder.objects.filter(number="OS-3").update(delay_reason=reason)
    page = text(fin_client.get("/fiscal/"))
    card = page.split('id="kpi-late-by-kind"')[1].split("</article>")[0]
    assert "Atraso interno: <strong>R$ 300,00</strong>" in card
    assert "Sem motivo: <strong>R$ 500,00</strong>" in card


def test_the_efficiency_report_groups_by_delay_reason(fin_client: Client, month: March) -> None:
    reason = DelayReason.objects.get(label="Aprovação interna pendente")
    ServiceOrder.objects.filter(number="OS-3").update(delay_reason=reason)
    page = text(fin_client.get("/fiscal/eficiencia/"))
    assert "Por motivo do atraso" in page and "Aprovação interna pendente" in page
    response = fin_client.get("/fiscal/eficiencia/exportar.csv")
    csv = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Motivo do atraso;Aprovação interna pendente;Aprovação interna pendente;1;300,00" in csv
    assert "Motivo do atraso;Sem motivo;Sem motivo;3;" in csv  # OS-1 and OS-2: N-1..N-3


def test_the_csv_reports_name_the_delay_reason(fin_client: Client, month: March) -> None:
    reason = DelayReason.objects.get(label="Aprovação interna pendente")
    ServiceOrder.objects.filter(number__in=["OS-3", "OS-5"]).update(delay_reason=reason)
    post = fin_client.get("/fiscal/pos-servico/exportar.csv")
    post_csv = b"".join(post.streaming_content).decode("utf-8-sig")
    assert "12,0417;10;300,00;não;Aprovação interna pendente" in post_csv
    backlog = fin_client.get("/fiscal/pendencias/exportar.csv")
    backlog_csv = b"".join(backlog.streaming_content).decode("utf-8-sig")
    assert backlog_csv.splitlines()[0].endswith(";Motivo do atraso;Tipo do atraso")
    assert "OS-5;" in backlog_csv and ";Aprovação interna pendente;Interno" in backlog_csv


def test_the_post_service_page_shows_the_reason_and_its_kind(
    fin_client: Client, month: March
) -> None:
    internal = DelayReason.objects.get(label="Aprovação interna pendente")
    ServiceOrder.objects.filter(number="OS-3").update(delay_reason=internal)
    page = text(fin_client.get("/fiscal/pos-servico/"))
    assert '<th scope="col">Motivo do atraso</th>' in page
    cell = page.split('id="reason-N-1-OS-3"')[1].split("</td>")[0]
    assert "Aprovação interna pendente" in cell and "Atraso interno" in cell
    late_without = page.split('id="reason-N-2-OS-2"')[1].split("</td>")[0]
    assert "Sem motivo" in late_without
    within = page.split('id="reason-N-1-OS-1"')[1].split("</td>")[0]
    assert "—" in within
    pdf = fin_client.get("/fiscal/pos-servico/exportar.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_the_backlog_page_shows_the_kind_of_the_reason(fin_client: Client, month: March) -> None:
    customer = DelayReason.objects.get(label="Aguardando pedido de compra do cliente")
    ServiceOrder.objects.filter(number="OS-5").update(delay_reason=customer)
    page = text(fin_client.get("/fiscal/pendencias/"))
    reason = page.split('id="reason-OS-5"')[1].split("</span></span>")[0]
    assert "Aguardando pedido de compra do cliente" in reason and "A pedido do cliente" in reason
    pdf = fin_client.get("/fiscal/pendencias/exportar.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
