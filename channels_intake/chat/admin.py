from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from channels_intake.chat.models import ChatSession, ChatWidget


@admin.register(ChatWidget)
class ChatWidgetAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "public_key", "active"]
    list_filter = ["active", "team"]
    readonly_fields = ["public_key", "embed_code", "hours", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "team", "active", "public_key", "embed_code"]}),
        (_("Where it may run"), {"fields": ["allowed_origins"]}),
        (_("Look and words"), {"fields": ["color", "greeting_id", "greeting_en"]}),
        (
            _("Hours and routing"),
            {"fields": ["hours", "time_zone", "no_answer_seconds"]},
        ),
        (_("Signed-in customers"), {"fields": ["identity_secret"]}),
    ]

    @admin.display(description=_("Opening hours"))
    def hours(self, widget: ChatWidget) -> str:
        """The chat is open when the team's business calendar is (channels_intake/chat/hours.py)."""
        from sla.schedules import calendar_for_team

        calendar = calendar_for_team(widget.team_id) if widget.team_id else None
        if calendar is None:
            return str(_("Always open: neither the team nor the desk has a business calendar."))
        return str(_("The team's business calendar: %(name)s") % {"name": calendar.name})

    @admin.display(description=_("Embed code"))
    def embed_code(self, widget: ChatWidget) -> str:
        from django.conf import settings

        if not widget.pk:
            return "—"
        return format_html(
            '<code>&lt;script src="{}/chat/widget.js" data-key="{}" async&gt;&lt;/script&gt;</code>',
            settings.SITE_URL,
            widget.public_key,
        )


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ["name", "widget", "mode", "ticket", "routed_to", "created_at", "ended_at"]
    list_filter = ["mode", "widget"]
    search_fields = ["name", "email", "phone", "order_ref"]
    raw_id_fields = ["ticket", "routed_to"]
    readonly_fields = ["public_id", "visitor_id", "created_at", "last_seen_at"]
