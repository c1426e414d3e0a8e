"""The reasons behind a prediction, in the words finance uses (pt-BR)."""

from __future__ import annotations

from typing import Any

import numpy as np

REASON_FEATURES = (
    "cust_mean_delay",
    "cust_recent_delay",
    "cust_on_time_rate",
    "cust_written_off",
    "cust_disputes_180d",
    "reminders",
    "calls_unanswered",
    "promises",
    "open_dispute",
    "amount_ratio",
    "days_to_due",
    "days_since_sent",
    "net_days",
    "has_discount",
    "due_month",
)
MONTHS = (
    "janeiro", "fevereiro", "março", "abril", "maio", "junho",
    "julho", "agosto", "setembro", "outubro", "novembro", "dezembro",
)  # fmt: skip


def _days(value: float) -> str:
    n = round(abs(value))
    return f"{n} dia" if n == 1 else f"{n} dias"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _delay_text(value: float) -> str:
    if round(value) > 0:
        return f"{_days(value)} de atraso"
    if round(value) < 0:
        return f"{_days(value)} de antecedência"
    return "em dia"


def reason_text(name: str, row: dict[str, Any], effect: float) -> str | None:
    """A sentence for feature ``name`` of ``row``; ``effect`` > 0 pushes the payment later."""
    count = int(row.get("cust_paid_count") or 0)
    value = row.get(name)
    if name == "cust_mean_delay" and value is not None and count:
        return f"O cliente pagou suas {count} faturas anteriores com {_delay_text(value)} em média."
    if name == "cust_recent_delay" and value is not None and count:
        recent = min(count, 6)
        return f"Nas últimas {recent} faturas, o cliente pagou com {_delay_text(value)} em média."
    if name == "cust_on_time_rate" and value is not None and count:
        return f"O cliente pagou {round(value * 100)}% das faturas em dia."
    if name == "cust_written_off" and value:
        return (
            _plural(
                int(value), "fatura do cliente foi baixada", "faturas do cliente foram baixadas"
            )
            + " como perda."
        )
    if name == "cust_disputes_180d" and value:
        return (
            _plural(int(value), "disputa do cliente", "disputas do cliente")
            + " nos últimos 180 dias."
        )
    if name == "reminders" and value:
        return _plural(int(value), "lembrete enviado", "lembretes enviados") + " sem pagamento."
    if name == "calls_unanswered" and value:
        return (
            _plural(
                int(value), "ligação de cobrança sem resposta", "ligações de cobrança sem resposta"
            )
            + "."
        )
    if name == "promises" and value:
        return "O cliente prometeu pagar em ligação de cobrança."
    if name == "open_dispute":
        return "Disputa em aberto nesta fatura." if value else None
    if name == "amount_ratio" and value is not None:
        if value >= 1.5 or value <= 0.67:
            ratio = f"{value:.1f}".replace(".", ",")
            return f"Valor {ratio}× o habitual do cliente."
        return None
    if name == "days_to_due" and value is not None:
        return f"Vence em {_days(value)}." if value >= 0 else f"Vencida há {_days(value)}."
    if name == "days_since_sent" and value is not None:
        return f"Enviada ao cliente há {_days(value)}."
    if name == "net_days" and value is not None:
        return f"Prazo de pagamento de {_days(value)}."
    if name == "has_discount":
        return "Condição com desconto por pagamento antecipado." if value else None
    if name == "due_month" and value:
        later = "mais tarde" if effect > 0 else "mais cedo"
        month = MONTHS[int(value) - 1]
        return f"Vencimento em {month}: neste mês os pagamentos costumam vir {later}."
    return None


def history_reasons(delays: np.ndarray, row: dict[str, Any]) -> list[str]:
    n = len(delays)
    recent = delays[-6:]
    reasons = [
        f"Sem modelo treinado: pelo histórico do cliente, que pagou suas {n} faturas anteriores "
        f"com {_delay_text(float(np.mean(delays)))} em média."
    ]
    if len(recent) < n:
        reasons.append(
            f"Nas últimas {len(recent)}, com {_delay_text(float(np.mean(recent)))} em média."
        )
    if row.get("open_dispute"):
        reasons.append("Disputa em aberto nesta fatura.")
    return reasons
