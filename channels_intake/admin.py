"""Admin for raw inbound events: what providers sent (redacted: never a full card number or OTP, see
channels_intake/retention.py), why one was quarantined, and processing it again.

Read-only otherwise: an accepted event is never changed or deleted (nothing accepted is ever lost).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from channels_intake.email import admin as email_admin  # noqa: F401  (registers the email channel's models)
from channels_intake.models import InboundEvent
from channels_intake.processing import reprocess
from channels_intake.retention import display_body, display_data
from tickets.redaction import redact

BODY_SHOWN_CHARS = 200_000


def body_as_text(event: InboundEvent) -> str:
    """The body as redacted text (never a full card number, whatever the state); for binary bodies,
    their size and a hex preview."""
    text = display_body(event)
    if text is None:
        data = bytes(event.body or b"")
        preview = data[:512].hex(" ")
        return gettext("(binary, %(size)d bytes) %(preview)s") % {"size": len(data), "preview": preview}
    if len(text) > BODY_SHOWN_CHARS:
        return (
            text[:BODY_SHOWN_CHARS]
            + "\n"
            + gettext("… (cut: %(size)d characters in all)") % {"size": len(text)}
        )
    return text


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["pk", "channel", "account", "source", "state", "attempts", "received_at", "short_error"]
    list_filter = ["state", "channel", "source"]
    search_fields = ["=id", "account", "error"]
    date_hierarchy = "received_at"
    fields = readonly_fields = (
        "channel",
        "account",
        "source",
        "state",
        "error_text",
        "attempts",
        "received_at",
        "processed_at",
        "tickets",
        "headers_pretty",
        "body_text",
        "body_redacted_at",
        "body_sha256",
        "body_size",
    )

    actions = ["reprocess_events"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundEvent]:
        # Bodies can be megabytes: the list never loads them, the change page loads one.
        return super().get_queryset(request).defer("body")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("error"))
    def error_text(self, event: InboundEvent) -> str:
        # Errors can quote the payload ("'4111…' is not a phone number").
        return redact(event.error).text

    @admin.display(description=_("reason"))
    def short_error(self, event: InboundEvent) -> str:
        return redact(event.error[:120]).text

    @admin.action(description=_("Process the selected events again"))
    def reprocess_events(self, request: HttpRequest, queryset: QuerySet[InboundEvent]) -> None:
        count = reprocess(queryset)
        self.message_user(
            request,
            ngettext("%(count)d event queued again.", "%(count)d events queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.display(description=_("body"))
    def body_text(self, event: InboundEvent) -> str:
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', body_as_text(event))

    @admin.display(description=_("headers"))
    def headers_pretty(self, event: InboundEvent) -> str:
        text = json.dumps(display_data(event.headers), indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)

    @admin.display(description=_("tickets"))
    def tickets(self, event: InboundEvent) -> str:
        links = [
            (reverse("admin:tickets_ticket_change", args=[pk]), f"#SD-{pk}")
            for pk in event.ticket_ids or []
            if isinstance(pk, int)
        ]
        return format_html_join(", ", '<a href="{}">{}</a>', links)


# Channel accounts (WhatsApp numbers, Meta pages, X accounts, templates) register themselves there.
from channels_intake import admin_accounts  # noqa: E402,F401

# The live-chat widgets register themselves there.
from channels_intake.chat import admin as chat_admin  # noqa: E402,F401
