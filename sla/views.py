"""The SLA compliance report for supervisors: a page with charts, and the same numbers as CSV."""

from __future__ import annotations

import csv

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sla import charts, reports
from sla.forms import PeriodForm
from tickets.access import is_supervisor


def _check_supervisor(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_supervisor(request.user):
        raise PermissionDenied
    return None


def report(request: HttpRequest) -> HttpResponse:
    if (refused := _check_supervisor(request)) is not None:
        return refused
    form = PeriodForm.from_query(request.GET)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        result = reports.compliance(form.cleaned_data["start"], form.cleaned_data["end"])
        names = {"team": _("Per team"), "channel": _("Per channel"), "category": _("Per category")}
        context["report"] = result
        context["sections"] = [
            {
                "title": names[dimension],
                "groups": groups,
                "charts": [
                    charts.compliance_chart(_("Met on time"), groups),
                    charts.times_chart(_("First response (business time)"), groups, "first_response"),
                    charts.times_chart(_("Resolution (business time)"), groups, "resolution"),
                ],
            }
            for dimension, groups in result.groups.items()
        ]
    return render(request, "sla/report.html", context, status=200 if form.is_valid() else 400)


def report_csv(request: HttpRequest) -> HttpResponse:
    if (refused := _check_supervisor(request)) is not None:
        return refused
    form = PeriodForm.from_query(request.GET)
    if not form.is_valid():
        errors = "; ".join(str(e) for messages in form.errors.values() for e in messages)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sla-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    csv.writer(response).writerows(reports.csv_rows(reports.compliance(start, end)))
    return response
