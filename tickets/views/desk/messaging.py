"""The composer on Meta channels: how long the agent may write freely, and WhatsApp's approved templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from channels_intake import policy
from channels_intake.accounts import WhatsAppTemplate, templates_for
from sla.badges import short_duration
from tickets.models import Channel, Ticket


@dataclass(frozen=True)
class WindowState:
    closes_at: dt.datetime
    is_open: bool
    time_left: str
    templates_allowed: bool


def window_state(ticket: Ticket) -> WindowState | None:
    """None on channels without a window, or before the customer wrote at all."""
    closes = policy.window_closes_at(ticket)
    if closes is None:
        return None
    now = timezone.now()
    return WindowState(
        closes_at=closes,
        is_open=now <= closes,
        time_left=short_duration(closes - now),
        templates_allowed=ticket.channel == Channel.WHATSAPP,
    )


def variable_field(template: WhatsAppTemplate, position: int) -> str:
    return f"var-{template.pk}-{position}"


class TemplateForm(forms.Form):
    """Which template; its values come as ``var-<template pk>-<n>`` (one input per placeholder).

    Values are passed on as typed: the action refuses missing ones with the template's name.
    """

    template = forms.ModelChoiceField(
        WhatsAppTemplate.objects.none(),
        label=_("Template"),
        error_messages={"invalid_choice": _("Choose one of the active templates of this WhatsApp number.")},
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = templates_for(ticket)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        template = data.get("template")
        if template is not None:
            data["variables"] = [
                str(self.data.get(variable_field(template, n), ""))
                for n in range(1, template.variable_count + 1)
            ]
        return data


@dataclass(frozen=True)
class TemplateInput:
    name: str
    label: str
    value: str


@dataclass(frozen=True)
class TemplateChoice:
    template: WhatsAppTemplate
    selected: bool
    inputs: list[TemplateInput]


def template_choices(ticket: Ticket, form: forms.Form | None) -> list[TemplateChoice]:
    """The templates offered in the composer, with what the agent typed when ``form`` was refused."""
    typed: Any = form.data if form is not None and form.is_bound else {}
    chosen = str(typed.get("template", ""))
    choices = []
    for template in templates_for(ticket):
        names = template.variable_names
        inputs = [
            TemplateInput(
                name=variable_field(template, n),
                label=names[n - 1] if n <= len(names) else gettext("Value {{%(n)d}}") % {"n": n},
                value=str(typed.get(variable_field(template, n), "")),
            )
            for n in range(1, template.variable_count + 1)
        ]
        choices.append(TemplateChoice(template=template, selected=chosen == str(template.pk), inputs=inputs))
    return choices


def composer_context(ticket: Ticket, bound: forms.Form | None) -> dict[str, Any]:
    return {
        "window": window_state(ticket),
        "whatsapp_templates": template_choices(ticket, bound) if ticket.channel == Channel.WHATSAPP else [],
    }
