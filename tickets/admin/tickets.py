"""Admin for tickets and their conversation and audit trail.

The admin never writes ticket state itself: the change form hands changed fields to tickets.changes
(every field through its action, with its TicketEvent), and the bulk actions call tickets.actions.
Messages, attachments and events are records: shown, never edited, added or deleted here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets import actions
from tickets.changes import CHANGEABLE, apply_changes
from tickets.models import Attachment, Message, Status, Ticket, TicketEvent


class ReadOnlyMixin:
    """A record shown in the admin: viewable with the view permission, never added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(ReadOnlyMixin, admin.TabularInline):
    model = Message
    fields = readonly_fields = ("created_at", "direction", "author", "excerpt", "delivery_status", "files")
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return (
            super()
            .get_queryset(request)
            .select_related("author_user", "author_contact")
            .prefetch_related("author_contact__identities", "attachments")
        )

    @admin.display(description=_("author"))
    def author(self, message: Message) -> str:
        return message.author_name

    @admin.display(description=_("text"))
    def excerpt(self, message: Message) -> str:
        return Truncator(message.text).chars(300)

    @admin.display(description=_("attachments"))
    def files(self, message: Message) -> str:
        return format_html_join(", ", '<a href="{}">{}</a>', _download_links(message.attachments.all()))


class TicketEventInline(ReadOnlyMixin, admin.TabularInline):
    model = TicketEvent
    fields = readonly_fields = ("created_at", "kind", "actor", "before", "after")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketEvent]:
        return super().get_queryset(request).select_related("actor")


def _download_links(attachments: Any) -> list[tuple[str, str]]:
    return [
        (reverse("api:attachment-download", kwargs={"pk": item.pk}), item.filename) for item in attachments
    ]


class TicketAdminForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = list(CHANGEABLE)

    def clean(self) -> dict[str, Any]:
        # The same rules the actions apply, checked here so a refusal is a form error, not a lost edit.
        data = super().clean() or {}
        ticket = self.instance  # still the stored values: the form's are copied onto it after clean()
        status = data.get("status", ticket.status)
        if status != ticket.status and not ticket.can_move_to(status):
            self.add_error(
                "status",
                gettext("A ticket cannot move from “%(before)s” to “%(after)s”.")
                % {"before": ticket.get_status_display(), "after": Status(status).label},
            )
        if data.get("hold_reason") and status != Status.ON_HOLD:
            self.add_error("hold_reason", gettext("An on-hold reason goes only with the status “On hold”."))
        return data


def _bulk_status(admin_: TicketAdmin, request: HttpRequest, tickets: QuerySet[Ticket], status: str) -> None:
    changed, refused = 0, []
    for ticket in tickets:
        try:
            actions.change_status(ticket, status=status, by=request.user)
        except actions.ActionError as error:
            refused.append(f"{ticket.reference}: {error}")
        else:
            changed += 1
    if changed:
        admin_.message_user(
            request,
            gettext("%(count)d ticket(s) moved to “%(status)s”.")
            % {"count": changed, "status": Status(status).label},
            messages.SUCCESS,
        )
    for reason in refused:
        admin_.message_user(request, reason, messages.ERROR)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketAdminForm
    list_display = [
        "reference",
        "subject",
        "contact",
        "channel",
        "status",
        "priority",
        "category",
        "team",
        "assignee",
        "updated_at",
    ]
    list_filter = [
        "status",
        "priority",
        "channel",
        "category",
        "team",
        ("assignee", admin.RelatedOnlyFieldListFilter),
        "security_flag",
    ]
    list_select_related = ["contact", "category", "team", "assignee"]
    search_fields = ["=id", "subject", "order_ref", "contact__name", "contact__identities__address"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["tags"]
    fieldsets = [
        (_("Work"), {"fields": list(CHANGEABLE)}),
        (
            _("Customer"),
            {
                "fields": [
                    "subject",
                    "contact",
                    "participants",
                    "requester_role",
                    "security_flag",
                    "previous_ticket",
                    "merged_into",
                    "reopen_count",
                ]
            },
        ),
        (
            _("Times"),
            {
                "fields": [
                    "created_at",
                    "updated_at",
                    "first_response_at",
                    "last_customer_message_at",
                    "last_agent_message_at",
                    "resolved_at",
                    "closed_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "subject",
        "contact",
        "participants",
        "requester_role",
        "security_flag",
        "previous_ticket",
        "merged_into",
        "reopen_count",
        "created_at",
        "updated_at",
        "first_response_at",
        "last_customer_message_at",
        "last_agent_message_at",
        "resolved_at",
        "closed_at",
    ]
    inlines = [MessageInline, TicketEventInline]
    actions = ["mark_open", "mark_resolved", "mark_closed"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return super().get_queryset(request).prefetch_related("contact__identities")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tickets come in through a channel or are logged by an agent (tickets.actions)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the audit trail goes with the ticket; close it instead

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "assignee":
            kwargs["queryset"] = User.objects.filter(agent__isnull=False, is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("ticket"), ordering="pk")
    def reference(self, ticket: Ticket) -> str:
        return ticket.reference

    def save_model(self, request: HttpRequest, obj: Ticket, form: forms.ModelForm, change: bool) -> None:
        """Hand the changed fields to their actions instead of saving the row (the audit trail stays whole)."""
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in CHANGEABLE}
        if "tags" in changes:
            changes["tags"] = [tag.name for tag in changes["tags"]]
        try:
            apply_changes(Ticket.objects.get(pk=obj.pk), changes, by=request.user)
        except actions.ActionError as error:  # a race the form could not see: undo and say why
            transaction.set_rollback(True)
            self.message_user(request, str(error), messages.ERROR)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        # Tags were set by their action in save_model, so form.save_m2m() must not run; the inline formsets
        # are read-only (saving them changes nothing but lets the admin write its change message).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description=_("Reopen selected tickets"), permissions=["change"])
    def mark_open(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        _bulk_status(self, request, queryset, Status.OPEN)

    @admin.action(description=_("Mark selected tickets resolved"), permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        _bulk_status(self, request, queryset, Status.RESOLVED)

    @admin.action(description=_("Close selected tickets"), permissions=["change"])
    def mark_closed(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        _bulk_status(self, request, queryset, Status.CLOSED)


@admin.register(Message)
class MessageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "channel", "author", "delivery_status", "is_automatic", "created_at"]
    list_filter = ["direction", "channel", "delivery_status", "is_automatic"]
    list_select_related = ["ticket", "author_user", "author_contact"]
    search_fields = ["=ticket__id", "subject", "text", "external_id"]
    date_hierarchy = "created_at"
    exclude = ["full_text", "html"]
    readonly_fields = ["files"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).prefetch_related("author_contact__identities", "attachments")

    @admin.display(description=_("author"))
    def author(self, message: Message) -> str:
        return message.author_name

    @admin.display(description=_("attachments"))
    def files(self, message: Message) -> str:
        return format_html_join(", ", '<a href="{}">{}</a>', _download_links(message.attachments.all()))


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["filename", "content_type", "size", "message", "created_at", "download"]
    list_filter = ["content_type"]
    list_select_related = ["message", "message__ticket"]
    search_fields = ["filename", "sha256", "=message__ticket__id"]
    date_hierarchy = "created_at"
    exclude = ["file"]  # stored under its checksum; downloaded through the access-checked view below
    readonly_fields = ["download"]

    @admin.display(description=_("download"))
    def download(self, attachment: Attachment) -> str:
        url = reverse("api:attachment-download", kwargs={"pk": attachment.pk})
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The audit trail: append-only, so nobody adds, edits or deletes a row here, superusers included."""

    list_display = ["ticket", "kind", "actor", "before", "after", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]
    search_fields = ["=ticket__id"]
    date_hierarchy = "created_at"
