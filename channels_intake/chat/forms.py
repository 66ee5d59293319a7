"""Checking what the widget sends: the pre-chat form, the out-of-hours message, uploaded files."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_intake.chat.adapter import MAX_TEXT, BadInput
from channels_intake.chat.identity import SignedCustomer
from channels_intake.chat.models import ChatWidget
from tickets import identities
from tickets.attachments import CUSTOMER_UPLOAD_TYPES, detect_content_type
from tickets.inbound import InboundAttachment
from tickets.models import Category


def topics_for(widget: ChatWidget) -> QuerySet[Category]:
    """What the visitor chooses from: the widget team's categories (those it is the default team of),
    or every active category when the team has none."""
    active = Category.objects.filter(active=True)
    own = active.filter(default_team_id=widget.team_id)
    return own if own.exists() else active


class PreChatForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    contact = forms.CharField(label=gettext_lazy("Email or WhatsApp number"), max_length=320, required=False)
    order_ref = forms.CharField(label=gettext_lazy("Order number (optional)"), max_length=64, required=False)
    topic = forms.ModelChoiceField(
        label=gettext_lazy("Topic"), queryset=Category.objects.filter(active=True), to_field_name="slug"
    )
    language = forms.ChoiceField(choices=settings.LANGUAGES, required=False)

    def __init__(
        self, *args: Any, widget: ChatWidget, customer: SignedCustomer | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.customer = customer
        topic = self.fields["topic"]
        assert isinstance(topic, forms.ModelChoiceField)
        topic.queryset = topics_for(widget)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name and not (self.customer and self.customer.name):
            raise ValidationError(_("Please tell us your name."))
        return name

    def clean_contact(self) -> dict[str, str]:
        """{"email": ...} or {"phone": ...}, normalised the way contacts are matched."""
        raw: str = self.cleaned_data["contact"].strip()
        if not raw:
            if self.customer and self.customer.email:
                return {"email": self.customer.email}
            raise ValidationError(_("Please give your email address or WhatsApp number."))
        if "@" in raw:
            return {"email": identities.normalise_email(raw)}
        return {"phone": identities.normalise_phone(raw)}

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or "id"


class OfflineMessageForm(PreChatForm):
    """Out of hours: the message becomes a ticket answered by email, so an email address is required."""

    text = forms.CharField(label=gettext_lazy("Message"), max_length=MAX_TEXT)

    def clean_contact(self) -> dict[str, str]:
        contact = super().clean_contact()
        if "email" not in contact:
            raise ValidationError(
                _("We answer by email outside opening hours: please give your email address.")
            )
        return contact


def clean_uploads(files: list[UploadedFile]) -> tuple[InboundAttachment, ...]:
    """The contact form's rules: at most N files of at most M bytes each, JPG, PNG or PDF by content."""
    if not files:
        raise BadInput(_("Choose a file to send."))
    if len(files) > settings.CONTACT_FORM_MAX_FILES:
        raise BadInput(
            _("You can send at most %(count)s files at once.") % {"count": settings.CONTACT_FORM_MAX_FILES}
        )
    cleaned = []
    for upload in files:
        name = upload.name or "file"
        if upload.size is None or upload.size > settings.CONTACT_FORM_MAX_FILE_BYTES:
            limit = settings.CONTACT_FORM_MAX_FILE_BYTES / (1024 * 1024)
            raise BadInput(_("%(name)s is larger than %(limit).1f MB.") % {"name": name, "limit": limit})
        content = upload.read()
        if detect_content_type(content, name) not in CUSTOMER_UPLOAD_TYPES:
            raise BadInput(_("%(name)s is not a JPG, PNG or PDF file.") % {"name": name})
        cleaned.append(
            InboundAttachment(filename=name, content=content, content_type=upload.content_type or "")
        )
    return tuple(cleaned)


def first_error(form: forms.Form) -> dict[str, str]:
    """{field: first message} for the widget to show next to each field."""
    return {name: str(errors[0]) for name, errors in form.errors.items()}
