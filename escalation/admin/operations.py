"""What supervisors do to escalations from the admin, with the intermediate form some of them need.

One view serves both the queue's bulk actions and the buttons on an escalation's page:
GET shows the form (or a confirmation), POST runs escalation.actions for each chosen escalation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalation import actions, outcomes
from escalation.forms import NoteForm, OutcomeForm, ReassignForm
from escalation.models import Escalation
from escalation.permissions import can_supervise

Runner = Callable[[Escalation, Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class Operation:
    label: Any
    done: Any  # message after success, with %(escalation)s
    run: Runner
    form: type[forms.Form] | None = None
    help: Any = ""
    # What the person must still know or do after it worked ('' for nothing), from run's result.
    notice: Callable[[Any], str] = lambda result: ""


OPERATIONS: dict[str, Operation] = {
    "acknowledge": Operation(
        gettext_lazy("Acknowledge"),
        gettext_lazy("%(escalation)s acknowledged."),
        lambda esc, user, data: actions.acknowledge(esc, by=user),
        help=gettext_lazy("You have seen it: it stops climbing on its own, and stays yours to resolve."),
    ),
    "take_over": Operation(
        gettext_lazy("Take over"),
        gettext_lazy("You handle %(escalation)s and its ticket now."),
        lambda esc, user, data: actions.take_over(esc, by=user),
        help=gettext_lazy("The escalation and the ticket are assigned to you."),
    ),
    "reassign": Operation(
        gettext_lazy("Reassign the ticket to an agent"),
        gettext_lazy("The ticket of %(escalation)s was reassigned."),
        lambda esc, user, data: actions.reassign_ticket(esc, agent=data["agent"], by=user),
        form=ReassignForm,
    ),
    "escalate": Operation(
        gettext_lazy("Escalate to the next level"),
        gettext_lazy("%(escalation)s went to the next level."),
        lambda esc, user, data: actions.escalate_further(esc, by=user, note=data["note"]),
        form=NoteForm,
    ),
    "resolve": Operation(
        gettext_lazy("Resolve with a written outcome"),
        gettext_lazy("%(escalation)s resolved."),
        lambda esc, user, data: actions.resolve(
            esc, by=user, outcome=data["outcome"], resolve_ticket=data["resolve_ticket"]
        ),
        form=OutcomeForm,
        notice=outcomes.supervisor_notice,
    ),
}


def operation_view(model_admin: admin.ModelAdmin, request: HttpRequest, operation: str) -> HttpResponse:
    spec = OPERATIONS.get(operation)
    if spec is None:
        raise Http404
    if not (can_supervise(request.user) and model_admin.has_change_permission(request)):
        raise PermissionDenied
    ids = _ids(request)
    escalations = list(
        model_admin.get_queryset(request)
        .filter(pk__in=ids)
        .select_related("ticket", "ticket__contact", "assigned_to")
    )
    if not escalations:
        messages.warning(request, _("Choose at least one escalation."))
        return HttpResponseRedirect(reverse("admin:escalation_escalation_changelist"))
    form = spec.form(request.POST or None) if spec.form else None
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form is not None else {}
        for escalation in escalations:
            try:
                result = spec.run(escalation, request.user, data)
            except actions.ActionError as error:
                messages.error(request, f"{escalation}: {error}")
            else:
                model_admin.log_change(request, escalation, f"{operation}")
                messages.success(request, spec.done % {"escalation": escalation})
                if notice := spec.notice(result):
                    messages.warning(request, f"{escalation}: {notice}")
        if len(escalations) == 1:
            return HttpResponseRedirect(
                reverse("admin:escalation_escalation_change", args=[escalations[0].pk])
            )
        return HttpResponseRedirect(reverse("admin:escalation_escalation_changelist"))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": spec.label,
        "operation": operation,
        "spec": spec,
        "form": form,
        "escalations": escalations,
        "ids": ",".join(str(item.pk) for item in escalations),
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/escalation/escalation/operation.html", context)


def _ids(request: HttpRequest) -> list[int]:
    raw = request.POST.get("ids") or request.GET.get("ids") or ""
    ids = []
    for part in raw.split(","):
        if part.strip().isdigit():
            ids.append(int(part))
    return ids[:200]


def bulk_action(operation: str) -> Callable[..., HttpResponse]:
    """A queue action that sends the chosen rows to the operation's page."""

    def action(model_admin: Any, request: HttpRequest, queryset: Any) -> HttpResponse:
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True)[:200])
        return HttpResponseRedirect(
            reverse("admin:escalation_escalation_operation", args=[operation]) + f"?ids={ids}"
        )

    action.__name__ = f"{operation}_selected"
    return admin.action(description=OPERATIONS[operation].label, permissions=["change"])(action)
