"""Forms for escalation pages. They validate input; escalation.actions decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

REASON_MAX = 1000


class CustomerRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should a supervisor look at your ticket?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few sentences are enough. Never write your password, PIN or OTP code."),
    )


class DisputeHelpForm(forms.Form):
    note = forms.CharField(
        label=_("Anything our mediators should know? (optional)"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AgentEscalationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome for the customer"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
        help_text=_(
            "Sent to the customer on the ticket's channel (email by default) and kept on the timeline."
        ),
    )
    resolve_ticket = forms.BooleanField(label=_("Also mark the ticket resolved"), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the next level (optional)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )


class ReassignForm(forms.Form):
    agent = forms.ModelChoiceField(label=_("Give the ticket to"), queryset=get_user_model().objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["agent"]
        field.queryset = (
            get_user_model()
            .objects.filter(is_active=True, agent__isnull=False)
            .select_related("agent")
            .order_by("first_name", "username")
        )
        field.label_from_instance = lambda user: (
            f"{user.get_full_name() or user.get_username()} ({user.agent.get_role_display()})"
        )
