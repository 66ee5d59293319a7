"""Accounts the message channels receive on and send from, managed in the admin.

One row per WhatsApp number, per Instagram professional account or Facebook Page, and per X account.
Each row says which team its new tickets go to, so several numbers can feed different teams. The
``slug`` is the optional suffix of the webhook URL (``/intake/whatsapp/<slug>/``).

Secrets (tokens, app secrets) are stored as given; the admin form never shows them back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Channel, Direction, Message, Team, Ticket

T = TypeVar("T")


class ChannelAccount(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("URL name"), unique=True, help_text=_("Webhook URL suffix, e.g. /intake/whatsapp/<name>/.")
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
        help_text=_("New tickets from this account go to this team."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        forget_cached_accounts()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        forget_cached_accounts()
        return deleted

    @property
    def team_slug(self) -> str:
        return self.team.slug if self.team_id and self.team else ""


class WhatsAppNumber(ChannelAccount):
    """A WhatsApp Business number on Meta's Cloud API."""

    phone_number_id = models.CharField(_("phone number ID"), max_length=50, unique=True)
    display_phone_number = models.CharField(_("display phone number"), max_length=30, blank=True)
    business_account_id = models.CharField(_("WhatsApp Business Account ID"), max_length=50, blank=True)
    access_token = models.TextField(_("access token"), help_text=_("A system user's permanent token."))
    app_secret = models.CharField(_("app secret"), max_length=200, help_text=_("Signs the webhooks."))
    verify_token = models.CharField(
        _("verify token"), max_length=200, help_text=_("The token typed into Meta's webhook setup.")
    )

    class Meta(ChannelAccount.Meta):
        verbose_name = _("WhatsApp number")
        verbose_name_plural = _("WhatsApp numbers")

    @classmethod
    def for_ticket(cls, ticket: Ticket) -> WhatsAppNumber | None:
        """The number the customer last wrote to on this ticket (None if it is gone); the first active
        number only on a ticket the customer never wrote on."""
        return _account_for_ticket(cls, ticket, Channel.WHATSAPP, "phone_number_id")


class MetaPage(ChannelAccount):
    """A Facebook Page (Messenger) or an Instagram professional account (Instagram DM)."""

    channel = models.CharField(
        _("channel"),
        max_length=20,
        choices=[(Channel.MESSENGER, Channel.MESSENGER.label), (Channel.INSTAGRAM, Channel.INSTAGRAM.label)],
    )
    account_id = models.CharField(
        _("page or Instagram account ID"), max_length=50, help_text=_("The entry id Meta's webhooks carry.")
    )
    access_token = models.TextField(_("page access token"))
    app_secret = models.CharField(_("app secret"), max_length=200)
    verify_token = models.CharField(_("verify token"), max_length=200)

    class Meta(ChannelAccount.Meta):
        verbose_name = _("Facebook Page / Instagram account")
        verbose_name_plural = _("Facebook Pages / Instagram accounts")
        constraints = [
            models.UniqueConstraint(fields=["channel", "account_id"], name="meta_page_unique_per_channel")
        ]

    @classmethod
    def for_ticket(cls, ticket: Ticket) -> MetaPage | None:
        return _account_for_ticket(
            cls, ticket, ticket.channel, "account_id", extra={"channel": ticket.channel}
        )


class XAccount(ChannelAccount):
    """An X account whose direct messages arrive through the Account Activity API."""

    user_id = models.CharField(_("user ID"), max_length=30, unique=True)
    screen_name = models.CharField(_("screen name"), max_length=50, blank=True)
    consumer_key = models.CharField(_("API key (consumer key)"), max_length=200)
    consumer_secret = models.CharField(
        _("API key secret (consumer secret)"), max_length=200, help_text=_("Signs the webhooks and the CRC.")
    )
    access_token = models.CharField(_("access token"), max_length=200)
    access_token_secret = models.CharField(_("access token secret"), max_length=200)

    class Meta(ChannelAccount.Meta):
        verbose_name = _("X account")
        verbose_name_plural = _("X accounts")

    @classmethod
    def for_ticket(cls, ticket: Ticket) -> XAccount | None:
        return _account_for_ticket(cls, ticket, Channel.X, "user_id")


def conversation_account_id(ticket: Ticket) -> str:
    """Our account (phone_number_id, page id, X user id) the customer last wrote to on this ticket."""
    last = (
        Message.objects.filter(ticket=ticket, channel=ticket.channel, direction=Direction.INBOUND)
        .order_by("-created_at", "-pk")
        .values_list("metadata", flat=True)
        .first()
    )
    return str(last.get("account") or "") if isinstance(last, dict) else ""


def _account_for_ticket(model, ticket, channel, id_field, extra=None):  # type: ignore[no-untyped-def]
    """The account the conversation came in on; None when that account is gone or inactive.

    Only a ticket the customer never wrote on (opened by an agent) falls back to the first active
    account: answering from another number than the customer wrote to would start a conversation the
    customer does not know, outside its window.
    """
    accounts = model.objects.filter(active=True, **(extra or {}))
    account_id = conversation_account_id(ticket) if ticket.channel == channel else ""
    if account_id:
        return accounts.filter(**{id_field: account_id}).first()
    return accounts.order_by("pk").first()


ACCOUNT_MODELS: dict[str, type[WhatsAppNumber] | type[MetaPage] | type[XAccount]] = {
    Channel.WHATSAPP: WhatsAppNumber,
    Channel.INSTAGRAM: MetaPage,
    Channel.MESSENGER: MetaPage,
    Channel.X: XAccount,
}


def account_for_ticket(ticket: Ticket) -> ChannelAccount | None:
    """The account a reply on this message-channel ticket goes out from (see ``_account_for_ticket``)."""
    model = ACCOUNT_MODELS.get(ticket.channel)
    account: ChannelAccount | None = model.for_ticket(ticket) if model is not None else None
    return account


def gone_account_reason(ticket: Ticket) -> str:
    """Why a reply cannot go out when the conversation's own account is gone; '' when it is not."""
    if ticket.channel not in ACCOUNT_MODELS:
        return ""
    account_id = conversation_account_id(ticket)
    if not account_id or account_for_ticket(ticket) is not None:
        return ""
    return str(
        _(
            "This conversation came in on the %(channel)s account %(account)s, which is no longer active. "
            "An admin must set it up again in the channel settings: replies are never sent from another "
            "account, which the customer would not recognise."
        )
        % {"channel": Channel(ticket.channel).label, "account": account_id}
    )


PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


class WhatsAppTemplate(models.Model):
    """A message template approved by Meta: the only way to write first, or after the 24-hour window."""

    class Category(models.TextChoices):
        UTILITY = "utility", _("Utility")
        MARKETING = "marketing", _("Marketing")
        AUTHENTICATION = "authentication", _("Authentication")

    number = models.ForeignKey(
        WhatsAppNumber,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="templates",
        verbose_name=_("WhatsApp number"),
        help_text=_("Empty: every number of the business account."),
    )
    name = models.CharField(_("template name"), max_length=512, help_text=_("Exactly as approved by Meta."))
    language = models.CharField(
        _("language code"), max_length=15, default="id", help_text=_("e.g. id, en_US")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default="utility")
    body = models.TextField(
        _("body"), help_text=_("The approved text, with {{1}}, {{2}}… where the variables go.")
    )
    variables = models.CharField(
        _("variables"),
        max_length=500,
        blank=True,
        help_text=_(
            "What each placeholder means, comma-separated in order, e.g. “Customer name, Order number”."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "language"]
        verbose_name = _("WhatsApp template")
        verbose_name_plural = _("WhatsApp templates")
        # NULL never equals NULL in a unique index: the templates for every number need their own.
        constraints = [
            models.UniqueConstraint(
                fields=["number", "name", "language"],
                condition=models.Q(number__isnull=False),
                name="wa_template_unique",
            ),
            models.UniqueConstraint(
                fields=["name", "language"],
                condition=models.Q(number__isnull=True),
                name="wa_template_unique_for_every_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"

    @property
    def variable_names(self) -> list[str]:
        return [part.strip() for part in self.variables.split(",") if part.strip()]

    @property
    def variable_count(self) -> int:
        return len({int(n) for n in PLACEHOLDER.findall(self.body)})

    def clean(self) -> None:
        numbers = sorted({int(n) for n in PLACEHOLDER.findall(self.body)})
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValidationError({"body": _("Number the placeholders {{1}}, {{2}}, … without gaps.")})
        if self.variables and len(self.variable_names) != len(numbers):
            raise ValidationError(
                {
                    "variables": _("The body has %(count)d placeholders; name each of them once.")
                    % {"count": len(numbers)}
                }
            )

    def render(self, variables: Sequence[str]) -> str:
        """The text the customer will see, for the ticket's history."""

        def fill(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            return variables[index] if 0 <= index < len(variables) else match.group(0)

        return PLACEHOLDER.sub(fill, self.body)


def active_accounts(model, slug: str = "", **filters):  # type: ignore[no-untyped-def]
    """The accounts a webhook URL stands for: the one named by its suffix (404 if unknown), or all.

    Kept in this process for CHANNEL_ACCOUNT_CACHE_SECONDS: every webhook POST needs them, and they
    change a few times a year. A change in the admin applies here at once, in other processes within
    that time.
    """
    from django.shortcuts import get_object_or_404

    def load():  # type: ignore[no-untyped-def]
        if slug:
            return [get_object_or_404(model, slug=slug, active=True, **filters)]
        return list(model.objects.filter(active=True, **filters).order_by("pk"))

    return cached(("accounts", model, slug, tuple(sorted(filters.items()))), load)


def team_slugs(model, id_field: str, **filters) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Our account id (phone_number_id, page id, X user id) -> the slug of the team it feeds."""

    def load() -> dict[str, str]:
        rows = model.objects.filter(team__isnull=False, **filters).values_list(id_field, "team__slug")
        return dict(rows)

    teams: dict[str, str] = cached(("teams", model, id_field, tuple(sorted(filters.items()))), load)
    return teams


_cache: dict[tuple[object, ...], tuple[float, object]] = {}


def cached(key: tuple[object, ...], load: Callable[[], T]) -> T:
    seconds = settings.CHANNEL_ACCOUNT_CACHE_SECONDS
    if seconds <= 0:
        return load()
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]  # type: ignore[return-value]
    value = load()
    _cache[key] = (now + seconds, value)
    return value


def forget_cached_accounts() -> None:
    """Drop this process's cached accounts (an account was saved or deleted; tests start afresh)."""
    _cache.clear()


def templates_for(ticket: Ticket) -> QuerySet[WhatsAppTemplate]:
    """Active templates of the ticket's WhatsApp number (and those for every number); all active ones
    when no number is known."""
    if ticket.channel != Channel.WHATSAPP:
        return WhatsAppTemplate.objects.none()
    templates = WhatsAppTemplate.objects.filter(active=True)
    number = WhatsAppNumber.for_ticket(ticket)
    if number is not None:
        templates = templates.filter(Q(number=number) | Q(number__isnull=True))
    return templates.order_by("name", "language", "pk")
