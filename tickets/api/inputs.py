"""What API clients send: validated here, applied by tickets.actions (never saved by a serializer)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tickets import identities
from tickets.inbound import InboundAttachment, InboundMessage, SenderIdentity
from tickets.models import (
    Category,
    Channel,
    Contact,
    HoldReason,
    IdentityKind,
    Priority,
    RequesterRole,
    Status,
    Team,
    Ticket,
)

# The channels an agent can open a ticket on (the schema names this enum CreateChannelEnum).
CREATE_CHANNELS = [(Channel.PHONE.value, Channel.PHONE.label), (Channel.EMAIL.value, Channel.EMAIL.label)]
MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo ("stauts") is an error rather than silently ignored."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(getattr(self, "initial_data", {})) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown or read-only fields: %(unknown)s. Accepted: %(accepted)s.")
                % {"unknown": ", ".join(unknown), "accepted": ", ".join(self.fields)}
            )
        return attrs


def _normalised(kind: str, value: str) -> str:
    try:
        return identities.normalise(kind, value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from None


class TicketCreateSerializer(StrictSerializer):
    """An agent opens a ticket for a customer who phoned (channel phone) or wrote to them (channel email)."""

    channel = serializers.ChoiceField(
        choices=CREATE_CHANNELS,
        default=Channel.PHONE.value,
        help_text=_("phone: a logged call (needs phone); email: replies go by email (needs email)."),
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=320, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    subject = serializers.CharField(max_length=250)
    text = serializers.CharField()
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.filter(active=True), required=False, allow_null=True
    )
    order_ref = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    requester_role = serializers.ChoiceField(
        choices=RequesterRole.choices, required=False, default=RequesterRole.UNKNOWN.value
    )

    def validate_email(self, value: str) -> str:
        return _normalised(IdentityKind.EMAIL, value) if value.strip() else ""

    def validate_phone(self, value: str) -> str:
        return _normalised(IdentityKind.PHONE, value) if value.strip() else ""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["channel"] == Channel.PHONE and not attrs["phone"]:
            raise serializers.ValidationError({"phone": _("A phone ticket needs the caller's number.")})
        if attrs["channel"] == Channel.EMAIL and not attrs["email"]:
            raise serializers.ValidationError({"email": _("An email ticket needs the customer's address.")})
        return attrs

    def email_inbound(self, *, by: User) -> InboundMessage:
        """The customer's message as an inbound email without a Message-ID (an agent typed it in)."""
        data = self.validated_data
        phone = (SenderIdentity(kind=IdentityKind.PHONE, address=data["phone"], name=data["name"]),)
        return InboundMessage(
            channel=Channel.EMAIL,
            external_id=None,
            sender=SenderIdentity(kind=IdentityKind.EMAIL, address=data["email"], name=data["name"]),
            other_identities=phone if data["phone"] else (),
            subject=data["subject"],
            text=data["text"],
            category_slug=data["category"].slug if data.get("category") else "",
            order_ref=data["order_ref"],
            requester_role=data["requester_role"],
            metadata={"logged_by": by.pk},
        )


class TicketUpdateSerializer(StrictSerializer):
    """The fields an agent may change; each one goes through its own action."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    hold_reason = serializers.ChoiceField(
        choices=HoldReason.choices,
        required=False,
        allow_blank=True,
        help_text=_("Why the ticket is on hold; only with status on_hold."),
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text=_("Correct the channel the ticket is counted under; its SLA policies are chosen again."),
    )
    team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("User id of an agent; null puts the ticket back in the unassigned queue."),
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, help_text=_("Replaces all tags.")
    )
    order_ref = serializers.CharField(max_length=64, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        ticket: Ticket | None = self.instance
        if attrs.get("hold_reason") and ticket is not None:
            status = attrs.get("status", ticket.status)
            if status != Status.ON_HOLD:
                raise serializers.ValidationError(
                    {"hold_reason": _("An on-hold reason goes only with the status on_hold.")}
                )
        return attrs


class FilesMixin(serializers.Serializer):
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=MAX_FILES, help_text=_("multipart only")
    )

    def validate_attachments(self, files: list[Any]) -> list[Any]:
        for upload in files:
            if upload.size > MAX_FILE_BYTES:
                raise serializers.ValidationError(
                    _("%(name)s is larger than %(limit)s MB.")
                    % {"name": upload.name, "limit": MAX_FILE_BYTES // (1024 * 1024)}
                )
        return files

    def inbound_attachments(self) -> tuple[InboundAttachment, ...]:
        return tuple(
            InboundAttachment(filename=upload.name or "attachment", content=upload.read())
            for upload in self.validated_data.get("attachments", [])
        )


class ReplySerializer(FilesMixin, StrictSerializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text=_("Move the ticket to this status with the reply (e.g. pending: waiting on the customer)."),
    )


class NoteSerializer(FilesMixin, StrictSerializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")


class TicketMergeSerializer(StrictSerializer):
    into = serializers.PrimaryKeyRelatedField(
        queryset=Ticket.objects.all(), help_text=_("The ticket that keeps the conversation.")
    )


class ContactMergeSerializer(StrictSerializer):
    into = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.filter(merged_into__isnull=True),
        help_text=_("The contact that keeps the identities and tickets."),
    )
