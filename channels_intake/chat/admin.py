from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from channels_intake.chat.models import ChatSession, ChatWidget


@admin.register(ChatWidget)
class ChatWidgetAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "public_key", "active"]
    list_filter = ["active", "team"]
    readonly_fields = ["public_key", "embed_code", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "team", "active", "public_key", "embed_code"]}),
        (_("Where it may run"), {"fields": ["allowed_origins"]}),
        (_("Look and words"), {"fields": ["color", "greeting_id", "greeting_en"]}),
        (
            _("Hours and routing"),
            {"fields": ["opening_hours", "time_zone", "closed_on_public_holidays", "no_answer_seconds"]},
        ),
        (_("Signed-in customers"), {"fields": ["identity_secret"]}),
    ]

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
