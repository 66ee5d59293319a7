"""Live chat: the widget a team embeds on its website, and each visitor's chat session.

A chat's conversation is an ordinary ticket on the live-chat channel (tickets.models); a ChatSession only
holds what the socket needs on top: who the visitor is, which ticket is theirs, what they have read.
"""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, Team, Ticket


def new_public_key() -> str:
    return "pk_" + secrets.token_urlsafe(18)


def new_identity_secret() -> str:
    return secrets.token_hex(32)


def normalise_origin(value: str) -> str:
    """'https://Shop.Example.co.id/' -> 'https://shop.example.co.id' (scheme://host[:port])."""
    parts = urlsplit(value.strip())
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def origin_matches(origin: str, pattern: str) -> bool:
    """Exact origin, '*' (every site) or 'https://*.example.com' (the domain and its subdomains)."""
    if pattern == "*":
        return True
    if "://*." in pattern:
        scheme, domain = pattern.split("://*.", 1)
        wanted = urlsplit(origin)
        host = wanted.netloc
        return wanted.scheme == scheme and (host == domain or host.endswith("." + domain))
    return origin == normalise_origin(pattern)


class ChatWidget(models.Model):
    """One embeddable chat (one per merchant site or brand), answered by one team."""

    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="chat_widgets", verbose_name=_("team")
    )
    public_key = models.CharField(_("public key"), max_length=40, unique=True, default=new_public_key)
    allowed_origins = models.TextField(
        _("allowed sites"),
        blank=True,
        help_text=_(
            "One origin per line, e.g. https://www.example.co.id; https://*.example.co.id allows every "
            "subdomain; * allows every site. SupportDesk's own pages are always allowed."
        ),
    )
    color = models.CharField(
        _("colour"),
        max_length=7,
        default="#0f766e",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #0f766e."))],
    )
    greeting_id = models.CharField(_("greeting (Indonesian)"), max_length=300, blank=True)
    greeting_en = models.CharField(_("greeting (English)"), max_length=300, blank=True)
    no_answer_seconds = models.PositiveIntegerField(
        _("no-answer time (seconds)"),
        default=120,
        validators=[MinValueValidator(15)],
        help_text=_("If no agent has answered by then, the visitor is offered to leave a message."),
    )
    identity_secret = models.CharField(
        _("identity secret"),
        max_length=128,
        default=new_identity_secret,
        help_text=_("The merchant signs logged-in customers with it (HMAC-SHA256); keep it on their server."),
    )
    # For the transcript's times. Opening hours come from the team's business calendar (chat/hours.py).
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Jakarta")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("chat widget")
        verbose_name_plural = _("chat widgets")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                {"time_zone": _("Unknown time zone; use a name like Asia/Jakarta.")}
            ) from None
        for line in self.origin_patterns():
            if line != "*" and not normalise_origin(line.replace("://*.", "://")):
                raise ValidationError({"allowed_origins": _("“%(line)s” is not an origin.") % {"line": line}})

    def origin_patterns(self) -> list[str]:
        return [line.strip() for line in self.allowed_origins.splitlines() if line.strip()]

    def allows_origin(self, origin: str, *, own_host: str = "") -> bool:
        """May a page on ``origin`` use this widget? ``own_host``: the host SupportDesk was reached on."""
        normalised = normalise_origin(origin)
        if not normalised:
            return False
        if own_host and urlsplit(normalised).netloc == own_host.lower():
            return True
        return any(origin_matches(normalised, pattern) for pattern in self.origin_patterns())

    def greeting(self, language: str) -> str:
        return (self.greeting_en if language == "en" else self.greeting_id) or self.greeting_id


class ChatSession(models.Model):
    """One visitor's chat: from the pre-chat form until it ends. Its conversation is ``ticket``."""

    class Mode(models.TextChoices):
        LIVE = "live", _("Live chat")
        OFFLINE = "offline", _("Message left (answered by email)")

    widget = models.ForeignKey(
        ChatWidget, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("chat widget")
    )
    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    # The visitor's chat identity (ContactIdentity kind "chat"); kept across chats in one browser.
    visitor_id = models.CharField(_("visitor ID"), max_length=64, db_index=True)
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_sessions",
        verbose_name=_("ticket"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.CharField(_("email"), max_length=320, blank=True)
    phone = models.CharField(_("WhatsApp number"), max_length=32, blank=True)
    order_ref = models.CharField(_("order number"), max_length=64, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("category")
    )
    customer_ref = models.CharField(
        _("merchant's customer id"), max_length=200, blank=True, help_text=_("Signed by the merchant.")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="id")
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.LIVE)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # Read marks: the highest message id the visitor has seen (agent messages) and agents have seen
    # (visitor messages).
    visitor_read_upto = models.BigIntegerField(_("read by the visitor up to (message ID)"), default=0)
    agent_read_upto = models.BigIntegerField(_("read by agents up to (message ID)"), default=0)
    routed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("routed to"),
    )
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    no_answer_offered_at = models.DateTimeField(_("leave-a-message offered at"), null=True, blank=True)
    transcript_email = models.CharField(_("transcript email address"), max_length=320, blank=True)
    transcript_sent_at = models.DateTimeField(_("transcript sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["routed_to", "-routed_at"], name="chat_session_routed"),
            models.Index(fields=["ended_at", "mode", "created_at"], name="chat_session_waiting"),
        ]
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")

    def __str__(self) -> str:
        return f"{self.name} ({self.widget})"

    @property
    def group(self) -> str:
        """The channel-layer group of this chat's open visitor sockets (one per browser tab)."""
        return f"chat.session.{self.pk}"

    @property
    def is_live(self) -> bool:
        return self.mode == self.Mode.LIVE and self.ended_at is None


class AgentConnection(models.Model):
    """An agent's open workspace socket. Routing only offers chats to agents with a fresh one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    channel_name = models.CharField(_("socket channel name"), max_length=200, unique=True)
    connected_at = models.DateTimeField(_("connected at"), default=timezone.now)
    seen_at = models.DateTimeField(_("last seen at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("agent connection")
        verbose_name_plural = _("agent connections")

    def __str__(self) -> str:
        return _("%(user)s since %(time)s") % {"user": self.user, "time": f"{self.connected_at:%H:%M}"}
