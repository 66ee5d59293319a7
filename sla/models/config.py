"""The version of the SLA configuration, for the per-process cache in sla.config.

Every change to a policy, a target, a calendar, its hours or dates, or a team's calendar writes a new
random token into the one SlaConfigVersion row in the same transaction (ConfigRow.save/delete; the admin
also after many-to-many changes), so another process sees the new token exactly when the change commits.
A random token rather than a counter: a rolled-back change can never leave two configurations under one
version.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models


class SlaConfigVersion(models.Model):
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "SLA configuration version"

    def __str__(self) -> str:
        return self.token


def config_changed() -> None:
    """Give the configuration a new version (call inside the transaction that changes it)."""
    token = uuid.uuid4().hex
    if not SlaConfigVersion.objects.filter(pk=1).update(token=token):
        SlaConfigVersion.objects.update_or_create(pk=1, defaults={"token": token})


def config_version() -> str:
    """The current version token (one primary-key read)."""
    token = SlaConfigVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    return token or ""


class ConfigRow(models.Model):
    """A row of the SLA configuration: saving or deleting it gives the configuration a new version."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        config_changed()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        result = super().delete(*args, **kwargs)
        config_changed()
        return result
