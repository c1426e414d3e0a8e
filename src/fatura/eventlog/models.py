from __future__ import annotations

from django.db import models


class Event(models.Model):
    """One row of THE event log: append-only, never updated.

    Read paths are by case (a timeline) and by time (mining); both are covered by an index
    that ends in ``id`` so events with the same timestamp keep the order they were written.
    """

    id = models.BigAutoField(primary_key=True)
    case_id = models.CharField(max_length=100)
    activity = models.CharField(max_length=100)
    timestamp = models.DateTimeField()
    end_timestamp = models.DateTimeField(null=True, blank=True)
    user = models.CharField(max_length=150)
    is_automated = models.BooleanField(default=False)
    source_system = models.CharField(max_length=50, default="Fatura")
    attributes = models.JSONField(default=dict, blank=True)
    # {"amount": "decimal", "customer": "string", ...}: the type of each attribute value,
    # since JSON has no decimal or date.
    attribute_types = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["case_id", "timestamp", "id"], name="event_case_time"),
            models.Index(fields=["timestamp", "id"], name="event_time"),
            models.Index(fields=["activity", "timestamp"], name="event_activity_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_timestamp__isnull=True)
                | models.Q(end_timestamp__gte=models.F("timestamp")),
                name="event_end_after_start",
                violation_error_message="end_timestamp must not be before timestamp",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.activity} · {self.timestamp:%Y-%m-%d %H:%M}"
