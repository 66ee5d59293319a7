"""Admin for the rules and level rosters: managers and the head of support change them, supervisors read."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from escalation.models import EscalationRule, LevelRoster
from escalation.permissions import can_configure, can_supervise


class _ConfigAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_supervise(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_supervise(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_configure(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_configure(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_configure(request.user) and super().has_delete_permission(request, obj)


@admin.register(EscalationRule)
class EscalationRuleAdmin(_ConfigAdmin):
    list_display = [
        "name",
        "position",
        "active",
        "trigger",
        "sla_target",
        "team",
        "level",
        "reassign",
        "raise_priority",
        "notify",
    ]
    list_editable = ["position", "active"]
    list_filter = ["active", "trigger", "level", "team"]
    list_select_related = ["team"]
    filter_horizontal = ["categories"]
    fieldsets = [
        (None, {"fields": ["name", "position", "active", "trigger", "team"]}),
        (None, {"fields": ["sla_target", "reopen_threshold", "categories"]}),
        (
            None,
            {
                "fields": [
                    "level",
                    "reassign",
                    "raise_priority",
                    "notify",
                    "notify_agent",
                    "review_working_days",
                ]
            },
        ),
    ]


@admin.register(LevelRoster)
class LevelRosterAdmin(_ConfigAdmin):
    list_display = ["__str__", "team", "level", "member_names"]
    list_filter = ["level", "team"]
    filter_horizontal = ["members"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("team").prefetch_related("members")

    @admin.display(description=_("members"))
    def member_names(self, obj: LevelRoster) -> str:
        return ", ".join(user.get_full_name() or user.get_username() for user in obj.members.all()) or "—"
