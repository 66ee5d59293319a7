"""What the API shows: tickets, their conversation, attachments and timeline (read side).

Serializers here only read. Everything a client sends is validated by tickets.api.inputs and applied by
tickets.actions. Nested data relies on the prefetching done by the views (see TicketViewSet).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import Attachment, Contact, ContactIdentity, Message, Ticket, TicketEvent


class UserSummarySerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.get_username()


class IdentitySerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactIdentity
        fields = ["kind", "address", "display_name"]


class ContactSummarySerializer(serializers.ModelSerializer):
    """A contact as shown on a ticket. Needs ``identities`` prefetched."""

    email = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ["id", "name", "email", "phone", "tier", "language"]

    def get_email(self, contact: Contact) -> str:
        return contact.email

    def get_phone(self, contact: Contact) -> str:
        return contact.phone


class TicketSerializer(serializers.ModelSerializer):
    """One row of the ticket list. Needs the view's select_related/prefetch (TicketQuerySet.for_list)."""

    reference = serializers.CharField(read_only=True)
    category: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    team: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tags: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    contact = ContactSummarySerializer(read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "subject",
            "status",
            "hold_reason",
            "priority",
            "channel",
            "requester_role",
            "category",
            "team",
            "assignee",
            "contact",
            "tags",
            "order_ref",
            "security_flag",
            "merged_into",
            "created_at",
            "updated_at",
            "first_response_at",
            "last_customer_message_at",
            "last_agent_message_at",
            "resolved_at",
            "closed_at",
        ]
        read_only_fields = fields


class TicketDetailSerializer(TicketSerializer):
    participants = ContactSummarySerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "participants", "previous_ticket", "reopen_count"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "sha256", "content_id", "download_url"]
        read_only_fields = fields

    def get_download_url(self, attachment: Attachment) -> str:
        path = reverse("api:attachment-download", kwargs={"pk": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class MessageSerializer(serializers.ModelSerializer):
    """A message of the conversation. Needs author_user, author_contact (+ identities) and attachments."""

    author_user = UserSummarySerializer(read_only=True, allow_null=True)
    author_name = serializers.CharField(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "ticket",
            "direction",
            "channel",
            "author_user",
            "author_contact",
            "author_name",
            "subject",
            "text",
            "full_text",
            "html",
            "is_automatic",
            "delivery_status",
            "delivery_error",
            "attachments",
            "sent_at",
            "created_at",
        ]
        read_only_fields = fields


class TicketEventSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    before = serializers.JSONField(read_only=True, allow_null=True)
    after = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "kind_display", "actor", "before", "after", "message", "created_at"]
        read_only_fields = fields


class ContactTicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)

    class Meta:
        model = Ticket
        fields = ["id", "reference", "subject", "status", "priority", "channel", "created_at", "updated_at"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    """A contact in the contact list. Needs ``identities`` prefetched."""

    identities = IdentitySerializer(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "name", "language", "tier", "identities", "merged_into", "created_at"]
        read_only_fields = fields


CONTACT_TICKETS_SHOWN = 50


class ContactDetailSerializer(ContactSerializer):
    tickets = serializers.SerializerMethodField()
    ticket_count = serializers.SerializerMethodField()

    class Meta(ContactSerializer.Meta):
        fields = [*ContactSerializer.Meta.fields, "notes", "ticket_count", "tickets"]
        read_only_fields = fields

    def get_ticket_count(self, contact: Contact) -> int:
        return contact.tickets.count()

    @extend_schema_field(ContactTicketSerializer(many=True))
    def get_tickets(self, contact: Contact) -> Any:
        """The contact's newest tickets (at most 50; the ticket list's ?contact= filter has them all)."""
        newest = contact.tickets.order_by("-updated_at", "-pk")[:CONTACT_TICKETS_SHOWN]
        return ContactTicketSerializer(newest, many=True).data
