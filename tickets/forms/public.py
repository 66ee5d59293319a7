"""Forms customers fill in without an account: the contact form and the status page's reply.

They only validate. Attachments come back as InboundAttachment tuples, already checked against the
support policy: at most CONTACT_FORM_MAX_FILES files of CONTACT_FORM_MAX_FILE_BYTES each, and JPG, PNG
or PDF by their content (a renamed program is refused whatever its name says).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tickets.attachments import CUSTOMER_UPLOAD_TYPES, detect_content_type
from tickets.identities import normalise_phone
from tickets.inbound import InboundAttachment
from tickets.models import Category, RequesterRole

SUBMISSION_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
ACCEPT = ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"


def new_submission_token() -> str:
    """A random id for one filled-in form, so a double click or a resend opens one ticket."""
    return secrets.token_urlsafe(18)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files from one input, cleaned into InboundAttachments that follow the support policy."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> tuple[InboundAttachment, ...]:  # type: ignore[override]
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        max_files = settings.CONTACT_FORM_MAX_FILES
        if len(uploads) > max_files:
            raise ValidationError(
                ngettext(
                    "You chose %(count)d files; you can attach at most %(max)d file.",
                    "You chose %(count)d files; you can attach at most %(max)d files.",
                    max_files,
                )
                % {"count": len(uploads), "max": max_files},
                code="too_many_files",
            )
        errors: list[ValidationError] = []
        cleaned: list[InboundAttachment] = []
        for upload in uploads:
            try:
                cleaned.append(self._clean_one(super().clean(upload, initial)))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return tuple(cleaned)

    def _clean_one(self, upload: UploadedFile) -> InboundAttachment:
        name = upload.name or "attachment"
        max_bytes = settings.CONTACT_FORM_MAX_FILE_BYTES
        too_large = ValidationError(
            gettext(
                "“%(name)s” is larger than %(max)s, the most we accept per file. Please send a smaller "
                "file, for example a screenshot instead of a photo."
            )
            % {"name": name, "max": filesizeformat(max_bytes)},
            code="file_too_large",
        )
        if upload.size is not None and upload.size > max_bytes:
            raise too_large
        upload.seek(0)
        content = upload.read(max_bytes + 1)
        if len(content) > max_bytes:  # the size the browser declared is not trusted
            raise too_large
        content_type = detect_content_type(content, name)
        if content_type not in CUSTOMER_UPLOAD_TYPES:
            raise ValidationError(
                gettext(
                    "“%(name)s” is not a JPG, PNG or PDF file (we check what the file contains, not its "
                    "name). Please attach a photo, a screenshot or a PDF."
                )
                % {"name": name},
                code="file_type",
            )
        return InboundAttachment(filename=name, content=content, content_type=content_type)


class CategorySelect(forms.Select):
    """Marks topics that concern an order, so the page can say at once that the order number is needed."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None and instance.concerns_order:
            option["attrs"]["data-concerns-order"] = "true"
        return option


class CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)  # in the language the page is shown in


class PublicForm(forms.Form):
    """What the contact form and the status page's reply have in common."""

    # Not required: a missing id gets the same "send it again" answer as a malformed one (clean_submission).
    submission = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"autocomplete": "off"}))
    attachments = AttachmentsField(label=_("Attachments"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        max_files = settings.CONTACT_FORM_MAX_FILES
        # The page's script warns about too many or too large files before they are uploaded.
        self.fields["attachments"].widget.attrs.update(
            {"data-max-files": max_files, "data-max-bytes": settings.CONTACT_FORM_MAX_FILE_BYTES}
        )
        self.fields["attachments"].help_text = ngettext(
            "Up to %(count)d photo, screenshot or PDF (JPG, PNG or PDF) of at most %(max)s.",
            "Up to %(count)d photos, screenshots or PDFs (JPG, PNG or PDF), each at most %(max)s.",
            max_files,
        ) % {"count": max_files, "max": filesizeformat(settings.CONTACT_FORM_MAX_FILE_BYTES)}
        if not self.is_bound:
            self.initial.setdefault("submission", new_submission_token())

    def clean_submission(self) -> str:
        value = str(self.cleaned_data.get("submission") or "")
        if not SUBMISSION_PATTERN.match(value):
            self._replace_submission()
            raise ValidationError(_("This form has expired. Please check your message and send it again."))
        return value

    def renew_submission(self, message: str) -> None:
        """Refuse this submission with ``message`` and give the re-rendered form a fresh id."""
        self.add_error(None, message)
        self._replace_submission()

    def _replace_submission(self) -> None:
        data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict: the form is bound to a request
        data["submission"] = new_submission_token()
        self.data = data

    @property
    def files_were_chosen(self) -> bool:
        """The customer sent files; browsers cannot put them back, so they must choose them again."""
        return bool(self.is_bound and self.files.getlist(self.add_prefix("attachments")))

    def fingerprint(self) -> str:
        """A digest of what was sent, to tell a resend of this form from a new message reusing its id."""
        values = {
            name: str(value.pk if hasattr(value, "pk") else value)
            for name, value in sorted(self.cleaned_data.items())
            if name not in {"submission", "attachments", "website"}
        }
        values["files"] = ",".join(
            hashlib.sha256(item.content).hexdigest() for item in self.cleaned_data["attachments"]
        )
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


class ContactForm(PublicForm):
    requester_role = forms.ChoiceField(
        label=_("I am a"),
        choices=[(RequesterRole.BUYER, _("Buyer")), (RequesterRole.SELLER, _("Seller"))],
        widget=forms.RadioSelect,
    )
    category = CategoryField(
        label=_("Topic"),
        queryset=Category.objects.filter(active=True),
        to_field_name="slug",
        empty_label=_("Choose a topic"),
        widget=CategorySelect,
    )
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send the ticket number and our answers here."),
    )
    phone = forms.CharField(
        label=_("Phone / WhatsApp number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    order_ref = forms.CharField(
        label=_("Order number"),
        required=False,
        max_length=64,
        help_text=_("Needed for questions about an order; you find it in your order history."),
    )
    description = forms.CharField(
        label=_("How can we help?"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Never write your password, PIN or OTP code: we will never ask for them."),
    )
    # The honeypot: hidden from people by the page's CSS, left empty by them; bots fill in every field.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    field_order = [
        "requester_role",
        "category",
        "name",
        "email",
        "phone",
        "order_ref",
        "description",
        "attachments",
        "website",
        "submission",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        return normalise_phone(raw, settings.DEFAULT_PHONE_REGION) if raw else ""

    def clean_order_ref(self) -> str:
        return str(self.cleaned_data["order_ref"]).strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        category = cleaned.get("category")
        if category is not None and category.concerns_order and not cleaned.get("order_ref"):
            self.add_error(
                "order_ref",
                ValidationError(
                    _("Please give the order number: we need it to look into “%(topic)s”.")
                    % {"topic": category.name},
                    code="order_required",
                ),
            )
        return cleaned


class ReplyForm(PublicForm):
    text = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Never write your password, PIN or OTP code: we will never ask for them."),
    )

    field_order = ["text", "attachments", "submission"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_text = bool(cleaned.get("text", "").strip())
        if "attachments" in cleaned and not has_text and not cleaned["attachments"]:
            self.add_error("text", _("Please write a message or attach a file."))
        return cleaned
