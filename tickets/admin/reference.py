"""Admin for the desk's reference data: categories, tags and canned replies."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tickets.admin.base import SaveChangedFieldsMixin
from tickets.models import CannedReply, Category, Tag


@admin.register(Category)
class CategoryAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    list_display = [
        "slug",
        "name_id",
        "name_en",
        "default_team",
        "concerns_order",
        "is_security",
        "position",
        "active",
    ]
    list_editable = ["position", "active"]
    list_filter = ["active", "is_security", "concerns_order", "default_team"]
    list_select_related = ["default_team"]
    search_fields = ["slug", "name_id", "name_en"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Tag)
class TagAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    list_display = ["name", "ticket_count"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(ticket_count=Count("tickets", distinct=True))

    @admin.display(description=_("tickets"), ordering="ticket_count")
    def ticket_count(self, tag: Any) -> int:
        return int(tag.ticket_count)


@admin.register(CannedReply)
class CannedReplyAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    list_display = ["title", "language", "team", "category"]
    list_filter = ["language", "team", "category"]
    list_select_related = ["team", "category"]
    search_fields = ["title", "body"]
    autocomplete_fields = ["category"]
