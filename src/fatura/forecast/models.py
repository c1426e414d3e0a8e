"""Trained payment models, versioned: the window they learned from, their metrics, and where
the fitted model lies (a joblib file under DATA_DIR/models, written by Fatura only)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ForecastModel(models.Model):
    version = models.PositiveIntegerField(unique=True)
    trained_at = models.DateTimeField()
    trained_by = models.CharField(max_length=150)
    cutoff = models.DateField()  # the training saw only what was known on this day
    window_start = models.DateField(null=True)  # first and last snapshot day
    window_end = models.DateField(null=True)
    rows = models.PositiveIntegerField()
    invoices = models.PositiveIntegerField()
    seconds = models.FloatField()
    metrics = models.JSONField(default=dict)
    path = models.CharField(max_length=400)
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="forecast_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.trained_at:%Y-%m-%d})"

    @property
    def file(self) -> str:
        return str(settings.DATA_DIR / "models" / self.path)
