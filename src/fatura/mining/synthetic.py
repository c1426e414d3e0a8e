"""Generated invoice logs (order-to-cash), for tests and benchmarks: vectorized, seeded.

Each case walks a Markov chain over the invoice activities of Fatura's event log (approval with
rework loops, reminders and dunning that repeat, disputes, partial payments, write-offs, cases
still open when the log was cut, one-event cases). Waiting times are exponential per activity,
in whole seconds; automated steps often share the previous step's timestamp (ties). The rows
come in time order, like an event table, with ties in process order.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

ACTIVITIES = (
    "Invoice Created",  # 0
    "Invoice Completed",  # 1
    "Invoice Sent for Approval",  # 2
    "Invoice Approved",  # 3
    "Invoice Rejected",  # 4
    "Invoice Sent to Customer",  # 5
    "Due Date Passed",  # 6
    "Payment Reminder Issued",  # 7
    "Dunning Procedure Initiated",  # 8
    "Collection Call Made",  # 9
    "Payment Received",  # 10
    "Payment Posted",  # 11
    "Payment Applied to Invoice",  # 12
    "Invoice Closed",  # 13
    "Dispute Registered",  # 14
    "Dispute Resolved",  # 15
    "Credit Note Issued",  # 16
    "Invoice Adjusted",  # 17
    "Invoice Written Off",  # 18
)
END = len(ACTIVITIES)

# next step -> probability, per activity (the rest of each row ends the case: log cut off)
FLOW: dict[int, dict[int, float]] = {
    0: {1: 0.93, 2: 0.04},
    1: {2: 0.55, 5: 0.43},
    2: {3: 0.82, 4: 0.16},
    3: {5: 0.98},
    4: {1: 0.85, 2: 0.1},
    5: {10: 0.5, 6: 0.4, 14: 0.08},
    6: {7: 0.65, 10: 0.33},
    7: {10: 0.45, 7: 0.2, 8: 0.2, 9: 0.13},
    8: {9: 0.5, 10: 0.3, 18: 0.18},
    9: {10: 0.6, 7: 0.25, 18: 0.13},
    10: {11: 0.96, 10: 0.02},
    11: {12: 0.99},
    12: {13: 0.88, 10: 0.1},
    13: {},
    14: {15: 0.95},
    15: {16: 0.5, 17: 0.3, 10: 0.18},
    16: {10: 0.6, 13: 0.38},
    17: {10: 0.97},
    18: {},
}
# mean wait before each activity, in hours; automated steps often happen at the same second
MEAN_WAIT_HOURS = (
    0,
    2,
    4,
    20,
    30,
    6,
    24 * 25,
    24 * 5,
    24 * 10,
    24 * 3,
    24 * 8,
    1,
    0.5,
    2,
    24 * 9,
    24 * 12,
    24 * 2,
    24 * 2,
    24 * 30,
)
SAME_SECOND = {11: 0.5, 12: 0.6, 13: 0.4}
RESOURCES = ("system", "ana", "bruno", "carla", "diego", "elisa", "fabio")
AUTOMATED = {0, 6, 11, 12, 13}
MAX_STEPS = 60


def _transitions() -> np.ndarray:
    matrix = np.zeros((END + 1, END + 1))
    for source, targets in FLOW.items():
        for target, probability in targets.items():
            matrix[source, target] = probability
        matrix[source, END] = 1 - sum(targets.values())
    matrix[END, END] = 1
    return np.cumsum(matrix, axis=1)


def generate(cases: int, *, seed: int = 0, one_event_share: float = 0.02) -> pa.Table:
    """A log of ``cases`` invoices: case_id, activity, timestamp (UTC), resource, amount."""
    rng = np.random.default_rng(seed)
    cumulative = _transitions()
    steps = np.full((cases, MAX_STEPS), END, dtype=np.int16)
    steps[:, 0] = 0
    alive = rng.random(cases) >= one_event_share  # one-event cases: created, then cut off
    current = np.zeros(cases, dtype=np.int64)
    for column in range(1, MAX_STEPS):
        draw = rng.random(cases)
        following = (draw[:, None] > cumulative[current]).sum(axis=1)
        following = np.where(alive, np.minimum(following, END), END)
        steps[:, column] = following
        alive &= following != END
        current = np.where(alive, following, END)
        if not alive.any():
            break
    lengths = (steps != END).sum(axis=1)
    activity = steps[steps != END].astype(np.int32)  # row-major: case by case, in order
    case = np.repeat(np.arange(cases, dtype=np.int32), lengths)
    first = np.zeros(cases, dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    means = np.asarray(MEAN_WAIT_HOURS, dtype=np.float64)[activity] * 3600
    wait = np.floor(rng.exponential(1.0, len(activity)) * means).astype(np.int64)
    for code, share in SAME_SECOND.items():
        wait[(activity == code) & (rng.random(len(activity)) < share)] = 0
    wait[first] = 0
    elapsed = np.cumsum(wait)
    elapsed -= np.repeat(elapsed[first], lengths)
    start = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)
    opened = start + rng.integers(0, 730 * 86400, cases)
    seconds = np.repeat(opened, lengths) + elapsed
    people = rng.integers(1, len(RESOURCES), len(activity))
    people[np.isin(activity, list(AUTOMATED))] = 0
    amount = np.round(rng.lognormal(7, 1.2, cases), 2)
    order = np.argsort(seconds, kind="stable")  # an event table: time order, ties in sequence
    names = pa.array([f"FAT-{n:08d}" for n in range(cases)])
    return pa.table(
        {
            "case_id": names.take(pa.array(case[order])),
            "activity": pa.array(ACTIVITIES).take(pa.array(activity[order])),
            "timestamp": pa.array(seconds[order] * 1_000_000, pa.timestamp("us", tz="UTC")),
            "resource": pa.array(RESOURCES).take(pa.array(people[order])),
            "amount": pa.array(amount[case[order]]),
        }
    )


def generate_events(events: int, *, seed: int = 0) -> pa.Table:
    """Exactly ``events`` events: enough cases, then the log cut after its first ``events`` rows
    in time order (the latest events not extracted yet, as in a real extraction)."""
    cases = max(1, events // 6)
    while True:
        table = generate(cases, seed=seed)
        if table.num_rows >= events:
            return table.slice(0, events)
        cases *= 2
