"""Raw inbound events, stored before they are understood, so nothing accepted is ever lost.

A webhook view verifies the provider's signature, stores the raw body here and answers 2xx at once; a
task turns the event into an InboundMessage. Events still unprocessed (broker down, worker killed) are
picked up again by a periodic task. Once an event is settled its raw body (which can carry full card
numbers) is replaced by a redacted copy: see channels_intake/retention.py.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboundEvent(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        PROCESSED = "processed", _("Processed")
        QUARANTINED = "quarantined", _("Quarantined (could not be understood)")
        IGNORED = "ignored", _("Ignored (nothing to do)")

    channel = models.CharField(_("channel"), max_length=20)
    account = models.CharField(
        _("account"), max_length=100, blank=True, help_text=_("Which number, page or mailbox.")
    )
    source = models.CharField(
        _("source"), max_length=50, blank=True, help_text=_("webhook provider, imap, raw, ...")
    )
    body = models.BinaryField(_("body"))
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    ticket_ids = models.JSONField(_("ticket IDs"), default=list, blank=True)
    # Raw bodies hold full card numbers and OTPs: once settled they are replaced by a redacted copy
    # (channels_intake/retention.py); the original's checksum and size stay.
    body_redacted_at = models.DateTimeField(_("body redacted"), null=True, blank=True)
    body_sha256 = models.CharField(_("original body SHA-256"), max_length=64, blank=True)
    body_size = models.PositiveIntegerField(_("original body size"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(
                fields=["received_at"], condition=models.Q(state="pending"), name="inbound_event_pending"
            ),
            models.Index(
                fields=["received_at"],
                condition=models.Q(body_redacted_at__isnull=True) & ~models.Q(state="pending"),
                name="inbound_event_raw_kept",
            ),
        ]
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")

    def __str__(self) -> str:
        return _("%(channel)s event %(pk)s (%(state)s)") % {
            "channel": self.channel,
            "pk": self.pk,
            "state": self.state,
        }


# Models of the channel folders live with their channel (accounts, templates, early delivery statuses,
# owed fetches, email, chat); importing them here registers them with this app.
from channels_intake.accounts import MetaPage, WhatsAppNumber, WhatsAppTemplate, XAccount  # noqa: E402
from channels_intake.chat.models import AgentConnection, ChatSession, ChatWidget  # noqa: E402
from channels_intake.email.models import EmailAddressStatus, Mailbox, SentEmail  # noqa: E402
from channels_intake.fetches import PendingFetch  # noqa: E402
from channels_intake.statuses import PendingStatus  # noqa: E402

__all__ = [
    "AgentConnection",
    "ChatSession",
    "ChatWidget",
    "EmailAddressStatus",
    "InboundEvent",
    "Mailbox",
    "MetaPage",
    "PendingFetch",
    "PendingStatus",
    "SentEmail",
    "WhatsAppNumber",
    "WhatsAppTemplate",
    "XAccount",
]
