"""What the fiscal demo (and the fiscal benchmark) is made of: the service types with their
national tax codes (cTribNac, from the LC 116/2003 list as the national NFS-e standard
numbers it: item, sub-item, national breakdown), the teams, how much each service costs and
how long each team takes to have its NFS-e issued. Plain data, no database."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

FIELD = "campo"  # stands for the customer's field team: Campo Norte or Campo Sul
TEAMS = ("Campo Norte", "Campo Sul", "Suporte Remoto", "Projetos")
SOUTH = {"Sul", "Sudeste"}  # regions served by Campo Sul; the others by Campo Norte


@dataclass(frozen=True)
class DemoServiceType:
    name: str
    national_code: str  # cTribNac, 6 digits
    iss_rate: str  # %
    description: str
    median_value: float  # R$, the median of a log-normal
    spread: float  # sigma of the log of the value
    weight: float  # share of all orders
    teams: tuple[tuple[str, float], ...]  # (team or FIELD, weight)
    lag_factor: float  # scales the team's NFS-e lag (bigger services take longer to invoice)
    uptake: float  # chance that a demo customer buys it
    monthly: float  # orders per month of a customer who buys it


SERVICE_TYPES = (
    DemoServiceType(
        "Desenvolvimento de sistemas",
        "010101",
        "2.00",
        "Análise e desenvolvimento de sistemas sob encomenda",
        18_000,
        0.7,
        0.06,
        (("Projetos", 1.0),),
        1.3,
        0.15,
        0.35,
    ),
    DemoServiceType(
        "Consultoria em TI",
        "010601",
        "2.90",
        "Assessoria e consultoria em informática",
        6_500,
        0.6,
        0.10,
        (("Projetos", 0.8), ("Suporte Remoto", 0.2)),
        1.0,
        0.3,
        0.4,
    ),
    DemoServiceType(
        "Suporte técnico",
        "010701",
        "5.00",
        "Suporte técnico em informática, inclusive instalação, configuração e manutenção de "
        "programas de computação e bancos de dados",
        650,
        0.6,
        0.42,
        (("Suporte Remoto", 0.7), (FIELD, 0.3)),
        1.0,
        0.8,
        1.3,
    ),
    DemoServiceType(
        "Manutenção de equipamentos",
        "140101",
        "5.00",
        "Manutenção e conservação de máquinas, aparelhos e equipamentos de informática "
        "(exceto peças e partes)",
        1_400,
        0.5,
        0.22,
        ((FIELD, 1.0),),
        1.0,
        0.5,
        0.7,
    ),
    DemoServiceType(
        "Instalação de equipamentos",
        "140601",
        "3.00",
        "Instalação e montagem de aparelhos, máquinas e equipamentos prestados ao usuário "
        "final, com material por ele fornecido",
        3_200,
        0.5,
        0.12,
        ((FIELD, 1.0),),
        1.2,
        0.3,
        0.3,
    ),
    DemoServiceType(
        "Treinamento",
        "080201",
        "2.00",
        "Instrução e treinamento em informática (turmas in company)",
        4_800,
        0.4,
        0.08,
        (("Projetos", 0.7), ("Suporte Remoto", 0.3)),
        0.8,
        0.2,
        0.15,
    ),
)
SERVICE_TYPE = {t.name: t for t in SERVICE_TYPES}

# Lines of the receivables demo's one-off invoices that are a service order billed on the
# invoice (fixtures/demo-receivables.json); the others (goods, storage) are not.
LINE_TYPES = {
    "Migração de servidores para a nuvem": "Consultoria em TI",
    "Configuração de ambiente de recuperação de desastres": "Suporte técnico",
    "Instalação de link dedicado": "Instalação de equipamentos",
    "Cabeamento estruturado — pontos": "Instalação de equipamentos",
    "Consultoria em processos — horas": "Consultoria em TI",
    "Projeto de implantação de ERP — marco": "Desenvolvimento de sistemas",
    "Treinamento in company — turma": "Treinamento",
    "Diagnóstico de maturidade digital": "Consultoria em TI",
    "Atendimento on-site — horas avulsas": "Suporte técnico",
    "Manutenção corretiva de equipamentos": "Manutenção de equipamentos",
    "Formatação e reinstalação de estações": "Suporte técnico",
}

# Days from billing to the NFS-e, per team: (kind, a, b) of a random distribution.
# Suporte Remoto issues the same day or the next; the field teams wait for the technician's
# report (the north, with longer trips, longer); Projetos waits for the client's sign-off: a
# median of three and a half days and a long tail.
TEAM_LAGS: dict[str, tuple[str, float, float]] = {
    "Suporte Remoto": ("exponential", 0.5, 0.0),  # mean
    "Campo Sul": ("gamma", 2.0, 0.8),  # shape, scale: mean 1.6
    "Campo Norte": ("gamma", 2.0, 1.5),  # mean 3
    "Projetos": ("lognormal", math.log(3.5), 0.9),  # mu, sigma: median 3.5, p90 ~11
}
MAX_LAG_DAYS = 120.0

# Business days from completion to billing (0 to 5), weights per team: remote support bills
# the same day, the field teams once the technician's report is in, Projetos at sign-off.
BILLING_WEIGHTS: dict[str, tuple[int, ...]] = {
    "Suporte Remoto": (70, 25, 5, 0, 0, 0),
    "Campo Sul": (35, 35, 20, 10, 0, 0),
    "Campo Norte": (20, 30, 25, 15, 10, 0),
    "Projetos": (10, 20, 25, 20, 15, 10),
}


def field_team(region: str) -> str:
    return "Campo Sul" if region in SOUTH else "Campo Norte"


def billing_days(rng: random.Random, team: str) -> int:
    weights = BILLING_WEIGHTS[team]
    return rng.choices(range(len(weights)), weights=weights)[0]


def lag_days(rng: random.Random, team: str, service_type: str) -> float:
    """Days from billing to the NFS-e for one order of ``team`` and ``service_type``."""
    kind, a, b = TEAM_LAGS[team]
    if kind == "exponential":
        days = rng.expovariate(1 / a)
    elif kind == "gamma":
        days = rng.gammavariate(a, b)
    else:
        days = rng.lognormvariate(a, b)
    return min(days * SERVICE_TYPE[service_type].lag_factor, MAX_LAG_DAYS)
