"""Delivery status callbacks (sent, delivered, read, failed) for our outbound messages.

A callback can arrive before we know its message: Meta may post "sent" while our delivery task is
still storing the id the API returned. Such a status is kept in PendingStatus and applied as soon as a
message with that id exists: at once by the delivery task, and by a periodic sweep for the rest.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from celery import shared_task
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.actions import record_delivery
from tickets.models import ContactIdentity, DeliveryStatus, Direction, Message

log = logging.getLogger(__name__)

# A status whose message never shows up (sent from another tool on the same number) is dropped then.
PENDING_STATUS_MAX_AGE = dt.timedelta(days=7)
SWEEP_BATCH = 500
WATERMARK_BATCH = 100


@dataclass(frozen=True)
class StatusUpdate:
    """What the provider says happened to one of our messages, named by the provider's id for it."""

    channel: str
    external_id: str
    status: str  # tickets.models.DeliveryStatus
    error: str = ""
    at: dt.datetime | None = None


@dataclass(frozen=True)
class WatermarkUpdate:
    """Everything we sent to this customer up to ``up_to`` reached ``status`` (Messenger reads, X reads)."""

    channel: str
    identity_kind: str
    address: str
    status: str
    up_to: dt.datetime


class PendingStatus(models.Model):
    channel = models.CharField(_("channel"), max_length=20)
    external_id = models.CharField(_("external ID"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices)
    error = models.TextField(_("error"), blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["received_at", "pk"]
        indexes = [models.Index(fields=["channel", "external_id"], name="pending_status_message")]
        verbose_name = _("early delivery status")
        verbose_name_plural = _("early delivery statuses")

    def __str__(self) -> str:
        return f"{self.channel} {self.external_id}: {self.status}"


def _outbound(channel: str, external_id: str) -> Message | None:
    return (
        Message.objects.select_related("ticket")
        .filter(channel=channel, external_id=external_id, direction=Direction.OUTBOUND)
        .first()
    )


def apply_status(update: StatusUpdate) -> bool:
    """Apply ``update`` to its message; keep it for later when the message is not known yet."""
    message = _outbound(update.channel, update.external_id)
    if message is None:
        PendingStatus.objects.create(
            channel=update.channel,
            external_id=update.external_id[:500],
            status=update.status,
            error=update.error,
            occurred_at=update.at,
        )
        return False
    record_delivery(message, status=update.status, error=update.error)
    return True


def apply_pending(channel: str, external_id: str) -> int:
    """Apply statuses that arrived before the message with this id was stored; returns how many."""
    message = _outbound(channel, external_id)
    if message is None:
        return 0
    applied = 0
    rows = PendingStatus.objects.filter(channel=channel, external_id=external_id).order_by(
        "occurred_at", "pk"
    )
    for row in rows:
        # Deleting first makes each row apply once even when the sweep runs at the same moment.
        if PendingStatus.objects.filter(pk=row.pk).delete()[0]:
            record_delivery(message, status=row.status, error=row.error)
            applied += 1
    return applied


def apply_watermark(update: WatermarkUpdate) -> int:
    identity = (
        ContactIdentity.objects.filter(kind=update.identity_kind, address=update.address)
        .values_list("contact_id", flat=True)
        .first()
    )
    if identity is None:
        return 0
    earlier = [DeliveryStatus.SENT, DeliveryStatus.DELIVERED]
    if update.status == DeliveryStatus.DELIVERED:
        earlier = [DeliveryStatus.SENT]
    messages = (
        Message.objects.filter(
            ticket__contact_id=identity,
            channel=update.channel,
            direction=Direction.OUTBOUND,
            delivery_status__in=earlier,
            created_at__lte=update.up_to,
        )
        .select_related("ticket")
        .order_by("-created_at")[:WATERMARK_BATCH]
    )
    count = 0
    for message in messages:
        record_delivery(message, status=update.status)
        count += 1
    return count


@shared_task(name="channels_intake.statuses.sweep_pending_statuses")
def sweep_pending_statuses() -> int:
    """Apply early statuses whose message is now known; drop those too old to ever match."""
    PendingStatus.objects.filter(received_at__lt=timezone.now() - PENDING_STATUS_MAX_AGE).delete()
    pairs = set(PendingStatus.objects.values_list("channel", "external_id")[:SWEEP_BATCH])
    applied = 0
    for channel, external_id in pairs:
        applied += apply_pending(channel, external_id)
    return applied
