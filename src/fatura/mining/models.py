"""The registry of imported event logs. The events themselves are not in the database: each
log is one Parquet dataset under ``DATA_DIR/logs/<id>.parquet`` (the canonical columns of
:mod:`fatura.mining.log`), and this row says what it is."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models


class LogFormat(models.TextChoices):
    XES = "xes", "XES"
    CSV = "csv", "CSV"
    PARQUET = "parquet", "Parquet"
    OCEL = "ocel", "OCEL 2.0"
    ORACLE_FUSION = "oracle-fusion", "Oracle Fusion AR"
    NETSUITE = "netsuite", "NetSuite"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Na fila"
    RUNNING = "running", "Importando"
    READY = "ready", "Importado"
    FAILED = "failed", "Falhou"


class MinedLog(models.Model):
    """One imported event log. An upload from a page or the API is imported by the worker: the
    row exists from the request on (``queued``, then ``running``) and becomes ``ready`` with its
    counts, or ``failed`` with the error and nothing stored. Only ready logs are mined."""

    name = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=8, choices=ImportStatus.choices, default=ImportStatus.READY
    )
    error = models.TextField(blank=True, default="")
    task_id = models.CharField(max_length=64, blank=True, default="")
    upload = models.CharField(max_length=500, blank=True, default="")  # the file while queued
    source_system = models.CharField(max_length=100)
    file_format = models.CharField(max_length=16, choices=LogFormat.choices)
    original_filename = models.CharField(max_length=255)
    rows = models.PositiveBigIntegerField(default=0)  # events
    cases = models.PositiveBigIntegerField(default=0)
    activities = models.PositiveIntegerField(default=0)
    first_event_at = models.DateTimeField(null=True, blank=True)  # None until ready
    last_event_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField()  # LastDataUpdate
    imported_by = models.CharField(max_length=150)
    storage = models.CharField(max_length=500)  # path of the Parquet dataset
    # [{"name": "amount", "type": "double", "xes_type": "float"}, ...]
    attribute_schema = models.JSONField(default=list, blank=True)
    # the options it was read with: mapping, zone, object type
    options = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_event_at__gte=models.F("first_event_at")),
                name="minedlog_time_range",
                violation_error_message="the last event must not be before the first",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def path(self) -> Path:
        return Path(self.storage)

    @staticmethod
    def storage_dir() -> Path:
        return Path(settings.DATA_DIR) / "logs"

    @staticmethod
    def upload_dir() -> Path:
        """Where an uploaded file waits for the worker (removed once imported or refused)."""
        return Path(settings.DATA_DIR) / "uploads" / "logs"
