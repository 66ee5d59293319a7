"""Admin for raw inbound events: see what arrived, why one was quarantined, and process it again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from channels_intake.email import admin as email_admin  # noqa: F401  (registers the email channel's models)
from channels_intake.models import InboundEvent
from channels_intake.processing import reprocess


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["pk", "channel", "source", "account", "state", "attempts", "received_at", "short_error"]
    list_filter = ["state", "channel", "source"]
    search_fields = ["error", "account"]
    date_hierarchy = "received_at"
    readonly_fields = [
        "channel",
        "account",
        "source",
        "state",
        "error",
        "attempts",
        "received_at",
        "processed_at",
        "ticket_ids",
        "headers",
        "body_preview",
    ]
    exclude = ["body"]
    actions = ["reprocess_events"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("reason"))
    def short_error(self, event: InboundEvent) -> str:
        return event.error[:120]

    @admin.display(description=_("raw content (first 20 kB)"))
    def body_preview(self, event: InboundEvent) -> str:
        return bytes(event.body[:20_000]).decode("utf-8", errors="replace")

    @admin.action(description=_("Process the selected events again"))
    def reprocess_events(self, request: HttpRequest, queryset: QuerySet[InboundEvent]) -> None:
        count = reprocess(queryset)
        self.message_user(
            request,
            ngettext("%(count)d event queued again.", "%(count)d events queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
