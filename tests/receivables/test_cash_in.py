"""Open receivables by the week their money is expected (due date + the customer's mean delay)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fatura.receivables.cash_in import expected_cash_in

TODAY = dt.date(2026, 5, 5)  # a Tuesday; weeks start on Monday 04/05/2026


def test_due_dates_shifted_by_the_customer_history(books, frozen_clock):
    late = books.customer()
    # history: due 04/06/2026, paid on 24/06/2026 -> 20 days late
    paid = books.sent(late, amount="100.00")
    frozen_clock.advance(days=50)
    books.pay(paid, "100.00", received_at=dt.date(2026, 6, 24))
    frozen_clock.now = frozen_clock.now - dt.timedelta(days=50)
    # open: due 04/06/2026 (Thursday) -> expected 24/06/2026, week of 22/06
    books.sent(late, amount="300.00")
    fresh = books.customer()
    books.sent(fresh, amount="50.00")  # no history: expected on the due date, week of 01/06
    report = expected_cash_in(as_of=TODAY, weeks=12)
    by_week = {w.start: (w.invoices, w.amount) for w in report.weeks if w.invoices}
    assert by_week == {
        dt.date(2026, 6, 1): (1, Decimal("50.00")),
        dt.date(2026, 6, 22): (1, Decimal("300.00")),
    }
    assert report.total == Decimal("350.00") and report.later.invoices == 0
    assert round(report.delays[late.pk]) == 20 and fresh.pk not in report.delays


def test_overdue_money_is_expected_now_and_far_money_later(books):
    books.sent(amount="10.00", terms="DUE_ON_RECEIPT")  # due today
    books.sent(amount="20.00", terms="NET60", issue_date=dt.date(2026, 8, 1))
    # as of Sunday 20/09: the first week starts Monday 14/09; the NET60 one is due 30/09
    report = expected_cash_in(as_of=dt.date(2026, 9, 20), weeks=2)
    assert report.weeks[0].amount == Decimal("10.00")  # overdue: expected now
    assert (report.later.invoices, report.later.amount) == (1, Decimal("20.00"))
    assert expected_cash_in(as_of=dt.date(2026, 9, 20), weeks=3).weeks[2].amount == Decimal("20.00")


def test_the_page_and_its_csv(books, client, fin_user):
    books.sent(amount="1234.56")
    client.force_login(fin_user)
    page = client.get("/relatorios/caixa/").content.decode()
    assert "Recebimentos previstos" in page and "R$ 1.234,56" in page
    assert 'id="cash-in-chart"' in page
    csv = b"".join(client.get("/relatorios/caixa/exportar.csv").streaming_content).decode()
    assert csv.lstrip("\ufeff").startswith("Semana (segunda-feira);Faturas;Valor previsto")
    assert "1234,56" in csv


def test_empty_state(client, fin_user, frozen_clock):
    client.force_login(fin_user)
    assert "Nada em aberto" in client.get("/relatorios/caixa/").content.decode()
