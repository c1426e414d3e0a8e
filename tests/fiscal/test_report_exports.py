"""The fiscal reports as files, on the hand-computed month (tests/fiscal/kpi_builders.py,
docs/nfse-kpi.md): CSV cells in pt-BR and PDFs with the letterhead, the numbers and pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from fatura.fiscal import listing, selectors
from fatura.fiscal import report_exports as exports
from fatura.fiscal.kpi import Filters, Period
from fatura.fiscal.models import DelayReason, ServiceOrder
from tests.fiscal.kpi_builders import SP, March, march

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
AS_OF = dt.datetime(2026, 3, 31, 23, 0, tzinfo=SP)


@pytest.fixture
def month(db: Any) -> March:
    return march()


def csv_lines(table: exports.CsvTable) -> list[str]:
    body = b"".join(table.response().streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    return body.lstrip("\ufeff").split("\r\n")


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_formats() -> None:
    assert exports.days_text(4.7604) == "4,8"
    assert exports.days_text(12.0417, 2) == "12,04"
    assert exports.days_text(None) == "—"
    assert exports.percent_text(1000 / 1800) == "55,6%"
    assert exports.percent_text(17.0) == "1.700,0%"
    assert exports.percent_text(None) == "—"
    assert exports.expected_text(Decimal("0.50")) == "0,5"
    assert exports.expected_text(10.0) == "10"
    assert exports.lag_number(12 + 1 / 24) == Decimal("12.0417")
    assert exports.rate_number(1000 / 1800) == Decimal("55.56")


def test_post_service_csv_lists_each_nfse_with_its_orders(month: March) -> None:
    notes = listing.post_service(MARCH)
    assert [(n.number, [line.order_number for line in n.lines]) for n in notes] == [
        ("N-1", ["OS-1", "OS-3"]),
        ("N-2", ["OS-2"]),
        ("N-3", ["OS-2"]),
    ]
    lines = csv_lines(exports.post_service_csv(notes, MARCH))
    document = month.a.document
    assert lines[0] == (
        "NFS-e;Emissão;Cliente;CPF/CNPJ;OS;Tipo de serviço;Equipe;Conclusão;Faturamento;"
        "Prazo (dias);Prazo esperado (dias);Valor;Dentro do prazo;Motivo do atraso;Tipo do atraso"
    )
    assert lines[1] == (
        f"N-1;04/03/2026 10:00:00;Alfa Serviços;{document};OS-1;Manutenção;Norte;"
        "02/03/2026 10:00:00;03/03/2026 10:00:00;2;10;1000,00;sim;;"
    )
    # OS-3: 20/02 09:00 -> 04/03 10:00 = 12 days and 1 hour; Manutenção expects 10
    assert lines[2].endswith("20/02/2026 09:00:00;21/02/2026 09:00:00;12,0417;10;300,00;não;;")
    # OS-2 on N-2: one day; Alfa + Instalação expects half a day
    assert lines[3].endswith(";1;0,5;300,00;não;;")
    assert lines[4].startswith("N-3;09/03/2026 12:00:00;")
    assert lines[4].endswith(";4;0,5;200,00;não;;")
    assert lines[5] == ""  # N-4 (before the billing), N-5 (February), N-6 (cancelled): out


def test_post_service_pdf_has_letterhead_rows_summary_and_page_numbers(month: March) -> None:
    notes = listing.post_service(MARCH)
    result = selectors.nfse_after_billing(MARCH)
    pages, text = pdf_text(exports.post_service_pdf(notes, result, Filters(teams=("Sul",))))
    assert pages == 1
    assert "Relatório de Faturamento Pós-Serviço" in text
    assert "Período de 01/03/2026 a 31/03/2026 (data de emissão)" in text
    assert "Equipe: Sul" in text
    assert "CNPJ" in text and "Página 1" in text
    assert "04/03/2026 10:00" in text and "12,04" in text
    assert "R$ 1.000,00" in text and "R$ 1.800,00" in text
    assert "4,8 / 3,0 / 9,6" in text  # average / median / p90 of the month
    assert "55,6%" in text and "63,8%" in text


def test_efficiency_csv_has_every_dimension_and_the_total(month: March) -> None:
    report = listing.breakdown(MARCH)
    lines = csv_lines(exports.efficiency_csv(report))
    assert lines[0].startswith("Dimensão;Grupo;Chave;NFS-e;Valor;Prazo médio (dias)")
    rows = [line.split(";") for line in lines[1:] if line]
    by = {(r[0], r[1]): r for r in rows}
    # Alfa: all four shares; Sul: OS-3 (12.0417), OS-2 (1), OS-2 (4)
    assert by[("Cliente", "Alfa Serviços")][2:5] == [month.a.document, "3", "1800,00"]
    assert by[("Equipe", "Sul")][3:9] == ["3", "800,00", "5,6806", "4", "10,4333", "0"]
    assert by[("Equipe", "Norte")][3:9] == ["1", "1000,00", "2", "2", "2", "100"]
    assert by[("Mês de emissão", "03/2026")][2] == "2026-03"
    assert by[("Tipo de serviço", "Instalação")][3:5] == ["2", "500,00"]
    assert rows[-1] == ["Total", "", "", "3", "1800,00", "4,7604", "3", "9,6292", "55,56"]


def test_efficiency_pdf_has_a_table_per_dimension(month: March) -> None:
    content = exports.efficiency_pdf(listing.breakdown(MARCH), Filters())
    pages, text = pdf_text(content)
    assert pages >= 1
    assert "Relatório de Eficiência de Faturamento" in text
    for heading in ("Por cliente", "Por tipo de serviço", "Por equipe", "Por mês de emissão"):
        assert heading in text
    assert "03/2026" in text and "R$ 800,00" in text and "10,4" in text


def test_backlog_csv_and_pdf(month: March) -> None:
    backlog = listing.backlog(as_of=AS_OF)
    assert [row.order_number for row in backlog.rows] == ["OS-5"]
    assert backlog.at_risk == Decimal("400.00")
    lines = csv_lines(exports.backlog_csv(backlog))
    assert lines[1] == (
        f"OS-5;Alfa Serviços;{month.a.document};Manutenção;Norte;20/03/2026 10:00:00;"
        "21/03/2026 10:00:00;400,00;0,00;400,00;10;11,5417;1,5417;;"  # no delay reason
    )
    assert exports.backlog_csv(backlog).filename == "pendencias-nfse-2026-03-31.csv"
    pages, text = pdf_text(exports.backlog_pdf(backlog, Filters()))
    assert pages == 1
    assert "Pendências de NFS-e (valor em risco)" in text
    assert "Posição em 31/03/2026 23:00" in text  # local time, not UTC
    assert "OS-5" in text and "R$ 400,00" in text and "1,5" in text
    assert "Por motivo do atraso" in text and "Sem motivo" in text


def test_the_reports_name_the_delay_reason_and_its_kind(month: March) -> None:
    internal = DelayReason.objects.get(label="Aprovação interna pendente")
    customer = DelayReason.objects.get(label="Aguardando pedido de compra do cliente")
    ServiceOrder.objects.filter(number="OS-3").update(delay_reason=internal)
    ServiceOrder.objects.filter(number="OS-5").update(delay_reason=customer)
    notes = listing.post_service(MARCH)
    lines = csv_lines(exports.post_service_csv(notes, MARCH))
    assert lines[2].endswith(";12,0417;10;300,00;não;Aprovação interna pendente;Interno")
    assert lines[3].endswith(";não;;")  # OS-2 is late without a reason
    result = selectors.nfse_after_billing(MARCH)
    _, text = pdf_text(exports.post_service_pdf(notes, result, Filters()))
    assert "Motivo do atraso" in text
    assert "Aprovação interna pendente" in " ".join(text.split())
    assert "(interno)" in text
    backlog = listing.backlog(as_of=AS_OF)
    row = csv_lines(exports.backlog_csv(backlog))[1]
    assert row.endswith(";1,5417;Aguardando pedido de compra do cliente;A pedido do cliente")
    _, text = pdf_text(exports.backlog_pdf(backlog, Filters()))
    flat = " ".join(text.split())
    assert "Aguardando pedido de compra" in flat and "(a pedido do cliente)" in flat
    assert "A pedido do cliente 1 R$ 400,00 1,5" in flat  # the split by kind
    assert "Atraso interno 0 R$ 0,00 —" in flat


def test_delay_texts() -> None:
    assert exports.delay_text("", "none") == ""
    assert exports.delay_text("Pedido do cliente", "customer") == (
        "Pedido do cliente (a pedido do cliente)"
    )
    assert exports.delay_kind_text("internal") == "Interno"
    assert exports.delay_kind_text("none") == ""


def test_dashboard_chart_csvs(month: March) -> None:
    report = listing.breakdown(MARCH, dimensions=("team",), trend=True)
    daily = csv_lines(exports.accumulated_csv(report.kpi.daily, MARCH))
    assert daily[0] == "Dia;Valor emitido no dia;Valor acumulado"
    assert daily[4] == "04/03/2026;1300,00;1300,00"
    assert daily[31] == "31/03/2026;0,00;1800,00"
    months = csv_lines(exports.months_csv(report.months, MARCH))
    assert len([line for line in months if line]) == 1 + 12  # April 2025 to March 2026
    assert "02/2026;1;100,00" in months and "03/2026;3;1800,00" in months
    bins = csv_lines(exports.lag_bins_csv(report.kpi.lag_bins, MARCH))
    assert "10;15;1;300,00" in bins and bins[-2] == "60;;0;0,00"
    teams = csv_lines(exports.groups_csv("team", report.groups["team"], MARCH))
    assert teams[1].startswith("Norte;Norte;1;1000,00;")


def test_filter_lines_name_the_filters(month: March) -> None:
    filters = Filters(customer_ids=(month.b.pk, month.a.pk), teams=("Sul",), months=("2026-03",))
    assert exports.filter_lines(filters) == [
        "Cliente: Alfa Serviços, Beta Indústria",
        "Equipe: Sul",
        "Mês: 03/2026",
    ]
