"""The supervisor dashboard: open escalations by level and age, overdue reviews, SLA breaches today."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation import charts, history, stats
from escalation.permissions import can_supervise


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not can_supervise(request.user):
        raise PermissionDenied
    now = timezone.now()
    by_level = stats.open_by_level()
    by_age = stats.open_by_age(now)
    overdue_count, overdue_rows = stats.overdue(now)
    breaches = history.breaches_today_by_hour(now)
    context = {
        **admin.site.each_context(request),
        "title": _("Escalations dashboard"),
        "now": now,
        "open_total": sum(value for _label, value in by_level),
        "overdue_count": overdue_count,
        "overdue_rows": overdue_rows,
        "breaches_today": sum(value for _label, value in breaches),
        "level_chart": charts.bar_chart(_("Open escalations by level"), by_level),
        "age_chart": charts.bar_chart(
            _("Open escalations by age"), by_age, highlight=[label for label, _v in by_age[3:]]
        ),
        "breach_chart": charts.column_chart(_("SLA breaches today, per hour"), breaches),
    }
    return render(request, "escalation/dashboard.html", context)
