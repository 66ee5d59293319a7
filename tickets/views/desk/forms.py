"""Forms of the agent workspace. They validate and look things up; the actions do the work."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tickets import identities, queues, search
from tickets.actions import follow_merges
from tickets.inbound import InboundAttachment
from tickets.models import (
    Category,
    Channel,
    Contact,
    ContactIdentity,
    HoldReason,
    Priority,
    RequesterRole,
    Status,
    Tag,
    Team,
    Ticket,
)

MAX_FILES = 10
MAX_FILE_BYTES = 20 * 1024 * 1024


def agents() -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(is_active=True, agent__isnull=False)
        .order_by("first_name", "username")
    )


class FetchedChoiceIterator(forms.models.ModelChoiceIterator):
    """A menu's choices from one plain query.

    Django's iterator streams them through queryset.iterator(), on PostgreSQL a server-side cursor
    (DECLARE, FETCH, CLOSE: three round trips): made for huge lists, not for menus of a few dozen agents,
    teams or categories, of which the ticket page renders three.
    """

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class MenuChoiceField(forms.ModelChoiceField):
    iterator = FetchedChoiceIterator


class AgentChoiceField(MenuChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


# --- Inbox ----------------------------------------------------------------------------------------


class InboxForm(forms.Form):
    """The inbox's GET parameters. Invalid values are reported and left out of the query."""

    view = forms.ChoiceField(
        choices=[(q.slug, q.label) for q in queues.QUEUES], required=False, label=_("View")
    )
    q = forms.CharField(required=False, max_length=search.MAX_QUERY_LENGTH, label=_("Search"))
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *Status.choices], required=False, label=_("Status")
    )
    category = MenuChoiceField(
        Category.objects.all(),
        required=False,
        empty_label=_("Any category"),
        to_field_name="slug",
        label=_("Category"),
    )
    channel = forms.ChoiceField(
        choices=[("", _("Any channel")), *Channel.choices], required=False, label=_("Channel")
    )
    priority = forms.ChoiceField(
        choices=[("", _("Any priority")), *Priority.choices], required=False, label=_("Priority")
    )
    team = forms.ChoiceField(required=False, label=_("Team"))
    assignee = forms.ChoiceField(required=False, label=_("Assignee"))
    tag = forms.ChoiceField(required=False, label=_("Tag"))
    sla = forms.ChoiceField(
        choices=[("", _("Any SLA state")), ("at_risk", _("SLA at risk")), ("breached", _("SLA breached"))],
        required=False,
        label=_("SLA"),
    )
    sort = forms.ChoiceField(choices=list(queues.SORTS.items()), required=False, label=_("Sort by"))
    per_page = forms.TypedChoiceField(
        choices=[(size, format_lazy(_("{count} per page"), count=size)) for size in queues.PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=None,
        label=_("Page size"),
    )

    @classmethod
    def from_request(cls, params: Any) -> InboxForm:
        """Bound to the request's parameters on top of the defaults (so the selects show what applies)."""
        data = {"view": queues.DEFAULT_QUEUE, "sort": "updated", "per_page": queues.DEFAULT_PAGE_SIZE}
        data.update({key: params.get(key) for key in params if key in cls.base_fields})
        return cls(data)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["aria-label"] = str(field.label or name)
        cast(forms.ChoiceField, self.fields["team"]).choices = [
            ("", _("Any team")),
            ("none", _("No team")),
            *[(str(team.pk), team.name) for team in Team.objects.all()],
        ]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Unassigned")),
            *[(str(user.pk), user.get_full_name() or user.get_username()) for user in agents()],
        ]
        cast(forms.ChoiceField, self.fields["tag"]).choices = [
            ("", _("Any tag")),
            *[(name, name) for name in Tag.objects.values_list("name", flat=True)],
        ]

    def inbox_query(self) -> queues.InboxQuery:
        """The query the valid part of the input asks for (call after is_valid())."""
        data = self.cleaned_data
        team, assignee = data.get("team") or None, data.get("assignee") or None
        category = data.get("category")
        return queues.InboxQuery(
            queue=data.get("view") or queues.DEFAULT_QUEUE,
            text=data.get("q") or "",
            sort=data.get("sort") or "updated",
            filters=queues.Filters(
                status=data.get("status") or "",
                category=category.pk if category else None,
                channel=data.get("channel") or "",
                priority=data.get("priority") or "",
                team=team if team in (None, "none") else int(team),
                assignee=assignee if assignee in (None, "none", "me") else int(assignee),
                tag=data.get("tag") or "",
                sla=data.get("sla") or "",
            ),
        )

    def page_size(self) -> int:
        return self.cleaned_data.get("per_page") or queues.DEFAULT_PAGE_SIZE


# --- Ticket page ----------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[InboundAttachment]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES:
            raise ValidationError(_("At most %(count)d files per message.") % {"count": MAX_FILES})
        cleaned = []
        for upload in files:
            super().clean(upload, initial)
            if upload.size > MAX_FILE_BYTES:
                raise ValidationError(
                    _("%(name)s is larger than %(limit)d MB.")
                    % {"name": upload.name, "limit": MAX_FILE_BYTES // (1024 * 1024)}
                )
            cleaned.append(InboundAttachment(filename=upload.name or "attachment", content=upload.read()))
        return cleaned


REPLY_STATUS_CHOICES = [
    ("", _("keep status")),
    (Status.PENDING, _("set Pending")),
    (Status.RESOLVED, _("set Resolved")),
]


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False, label=_("Reply"))
    attachments = MultipleFileField(label=_("Attachments"))
    status = forms.ChoiceField(choices=REPLY_STATUS_CHOICES, required=False, label=_("After sending"))


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, label=_("Internal note"))
    attachments = MultipleFileField(label=_("Attachments"))


class AssignForm(forms.Form):
    agent = AgentChoiceField(
        queryset=agents(), required=False, empty_label=_("Unassigned"), label=_("Assignee")
    )


class TeamForm(forms.Form):
    team = MenuChoiceField(Team.objects.all(), required=False, empty_label=_("No team"), label=_("Team"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, label=_("Status"))
    hold_reason = forms.ChoiceField(choices=HoldReason.choices, required=False, label=_("On-hold reason"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == Status.ON_HOLD and not data.get("hold_reason"):
            self.add_error("hold_reason", _("Say what the ticket is waiting for."))
        return data


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices, label=_("Priority"))


class CategoryForm(forms.Form):
    category = MenuChoiceField(
        Category.objects.filter(active=True),
        required=False,
        empty_label=_("No category"),
        label=_("Category"),
    )


class TagsForm(forms.Form):
    tags = forms.CharField(
        required=False,
        max_length=500,
        label=_("Tags"),
        help_text=_("Separated by commas."),
    )

    def clean_tags(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


class OrderForm(forms.Form):
    order_ref = forms.CharField(required=False, max_length=64, label=_("Order number"))


class MergeForm(forms.Form):
    """Which ticket this one should be merged into."""

    into = forms.CharField(max_length=40, label=_("Merge into ticket"), help_text=_("e.g. #SD-1042"))

    def clean_into(self) -> Ticket:
        text = self.cleaned_data["into"]
        number = search.ticket_number(text)
        target = Ticket.objects.filter(pk=number).first() if number is not None else None
        if target is None:
            raise ValidationError(_("There is no ticket %(reference)s.") % {"reference": text})
        return target


class MergeContactForm(forms.Form):
    """A duplicate of this ticket's contact, named by one of its addresses."""

    address = forms.CharField(
        max_length=320,
        label=_("Duplicate contact"),
        help_text=_("Their email address, phone number or user id."),
    )

    def clean_address(self) -> Contact:
        text = self.cleaned_data["address"].strip()
        candidates = {text}
        for kind in ("email", "phone"):
            try:
                candidates.add(identities.normalise(kind, text))
            except ValidationError:
                continue
        identity = ContactIdentity.objects.select_related("contact").filter(address__in=candidates).first()
        if identity is None:
            raise ValidationError(_("No contact has the address %(address)s.") % {"address": text})
        return follow_merges(identity.contact)


# --- New phone ticket -----------------------------------------------------------------------------


class PhoneTicketForm(forms.Form):
    phone = forms.CharField(max_length=40, label=_("Phone number"))
    name = forms.CharField(max_length=200, label=_("Customer name"))
    email = forms.EmailField(required=False, label=_("Email address"))
    requester_role = forms.ChoiceField(
        choices=RequesterRole.choices, initial=RequesterRole.BUYER, label=_("Customer is a")
    )
    category = MenuChoiceField(
        Category.objects.filter(active=True),
        required=False,
        to_field_name="slug",
        empty_label=_("No category"),
        label=_("Category"),
    )
    order_ref = forms.CharField(required=False, max_length=64, label=_("Order number"))
    subject = forms.CharField(max_length=250, label=_("Subject"))
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label=_("What the customer said"),
    )

    def clean_phone(self) -> str:
        # Validated here so the agent sees the problem on the field; the action normalises again.
        identities.normalise_phone(self.cleaned_data["phone"])
        return str(self.cleaned_data["phone"])
