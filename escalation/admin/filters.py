"""List filters of the escalation queue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escalation.models import ACTIVE_STATUSES, EscalationStatus


class MineFilter(admin.SimpleListFilter):
    title = _("supervisor")
    parameter_name = "mine"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", _("Assigned to me")), ("none", _("Unassigned"))]

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "1":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class StatusFilter(admin.SimpleListFilter):
    """Open and acknowledged escalations unless asked otherwise: the queue is work to do."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        return [("active", _("To do (open or acknowledged)")), *EscalationStatus.choices, ("all", _("All"))]

    def value(self) -> str:
        return super().value() or "active"

    def choices(self, changelist: Any) -> Iterator[Any]:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "all":
            return queryset
        if value == "active":
            return queryset.filter(status__in=ACTIVE_STATUSES)
        return queryset.filter(status=value)


class OverdueFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "overdue"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Overdue")), ("no", _("Not yet due"))]

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(status__in=ACTIVE_STATUSES, review_due__lte=now)
        if self.value() == "no":
            return queryset.exclude(status__in=ACTIVE_STATUSES, review_due__lte=now)
        return queryset
