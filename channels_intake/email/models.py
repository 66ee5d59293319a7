"""What the email channel remembers besides tickets: mailboxes it polls, mail it sent, addresses that bounce.

Imported by channels_intake.models so that Django registers these models in the channels_intake app.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_intake.accounts import forget_cached_accounts


class Mailbox(models.Model):
    """An IMAP mailbox polled for customer mail (a Gmail or company mailbox).

    ``uidvalidity`` and ``last_uid`` are the watermark: every message with a UID above ``last_uid`` in
    the same UIDVALIDITY is new. Both move in the same transaction that stores the fetched message.
    """

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS (port 993)")
        STARTTLS = "starttls", _("STARTTLS (port 143)")
        NONE = "none", _("None (testing only)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField(_("user"), max_length=255)
    password = models.CharField(
        _("password or app password"),
        max_length=255,
        help_text=_("For Gmail, an app password (Google account → Security → App passwords)."),
    )
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    active = models.BooleanField(_("active"), default=True)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(_("last UID"), default=0, editable=False)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    # The UID at the watermark that failed to fetch, and how often: after EMAIL_IMAP_MAX_FETCH_ATTEMPTS it
    # is quarantined and skipped, so one broken message does not block the mailbox.
    failing_uid = models.BigIntegerField(_("failing UID"), default=0, editable=False)
    failing_attempts = models.PositiveSmallIntegerField(_("failed fetch attempts"), default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("IMAP mailbox")
        verbose_name_plural = _("IMAP mailboxes")

    def __str__(self) -> str:
        return f"{self.name} ({self.username}@{self.host})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if fields is None or "username" in fields:  # the poller's watermark saves keep the cache
            forget_cached_accounts()  # own_addresses() includes the mailbox's address

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        forget_cached_accounts()
        return deleted


class SentEmail(models.Model):
    """One email we sent: agent replies and automatic mail (acknowledgements, out-of-hours replies).

    Lets a bounce or an ESP's tracking event find the message it is about, and caps automatic mail.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", _("Agent reply")
        ACKNOWLEDGEMENT = "ack", _("Acknowledgement")
        OUT_OF_HOURS = "ooh", _("Out-of-hours reply")

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    message = models.ForeignKey(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("message"),
    )
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    recipient = models.CharField(_("recipient"), max_length=320)
    rfc_message_id = models.CharField(
        _("Message-ID"), max_length=255, unique=True, help_text=_("Our Message-ID header.")
    )
    esp_message_id = models.CharField(
        _("provider message ID"), max_length=255, blank=True, help_text=_("The provider's id.")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [
            models.Index(fields=["recipient", "sent_at"], name="sentemail_recipient_sent"),
            models.Index(fields=["esp_message_id"], name="sentemail_esp_id"),
        ]
        verbose_name = _("sent email")
        verbose_name_plural = _("sent emails")

    def __str__(self) -> str:
        return _("%(kind)s to %(recipient)s") % {"kind": self.get_kind_display(), "recipient": self.recipient}

    @property
    def automatic(self) -> bool:
        return self.kind != self.Kind.REPLY


class EmailAddressStatus(models.Model):
    """What we learnt about a customer address: it bounced, or its owner marked our mail as spam.

    Its row is also the lock that serialises automatic mail to one address (see auto_replies.may_auto_reply).
    """

    address = models.CharField(_("email address"), max_length=320, unique=True)
    bounced_at = models.DateTimeField(_("bounced at"), null=True, blank=True)
    bounce_reason = models.TextField(_("bounce reason"), blank=True)
    bounce_count = models.PositiveIntegerField(_("bounces"), default=0)
    complained_at = models.DateTimeField(_("marked as spam at"), null=True, blank=True)
    # Set when the automatic-mail cap was reached: no automatic mail until the address writes like a
    # person again after a quiet spell, or EMAIL_AUTO_REPLY_COOL_OFF_HOURS pass (auto_replies).
    auto_mail_paused_at = models.DateTimeField(_("automatic mail paused at"), null=True, blank=True)

    class Meta:
        ordering = ["address"]
        verbose_name = _("email address status")
        verbose_name_plural = _("email address statuses")

    def __str__(self) -> str:
        return self.address

    @property
    def suppressed(self) -> bool:
        """No automatic mail to an address that hard-bounced or complained."""
        return self.bounced_at is not None or self.complained_at is not None
