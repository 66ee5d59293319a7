"""The ticket endpoints. Each view: access check, input serializer, one action call, response.

Reads use a fixed number of queries per page whatever its size (select_related/prefetch_related below).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets import actions
from tickets.access import access_attachment, visible_tickets
from tickets.api.errors import ErrorSerializer
from tickets.api.filters import TicketFilterSerializer, filter_tickets
from tickets.api.inputs import (
    NoteSerializer,
    ReplySerializer,
    TicketCreateSerializer,
    TicketMergeSerializer,
    TicketUpdateSerializer,
)
from tickets.api.serializers import (
    MessageSerializer,
    TicketDetailSerializer,
    TicketEventSerializer,
    TicketSerializer,
)
from tickets.changes import apply_changes
from tickets.models import Channel, Message, Ticket

REFUSED = OpenApiResponse(ErrorSerializer, description="Invalid input, or the change is not allowed.")
WITH_FILES = {"application/json": ReplySerializer, "multipart/form-data": ReplySerializer}
NOTE_WITH_FILES = {"application/json": NoteSerializer, "multipart/form-data": NoteSerializer}


def conversation(ticket: Ticket) -> QuerySet[Message]:
    return ticket.messages.select_related("author_user", "author_contact").prefetch_related(
        "author_contact__identities", "attachments"
    )


@extend_schema_view(
    list=extend_schema(summary="List tickets", parameters=[TicketFilterSerializer]),
    retrieve=extend_schema(summary="A ticket with its participants"),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Ticket]:
        tickets = visible_tickets(self.request.user)
        if self.action == "list":
            return tickets.for_list().prefetch_related("contact__identities")
        if self.action == "retrieve":
            return self._detailed()
        return tickets  # writes and nested endpoints only need the row and the permission check

    def _detailed(self) -> QuerySet[Ticket]:
        return (
            visible_tickets(self.request.user)
            .for_list()
            .prefetch_related("contact__identities", "participants__identities")
        )

    def get_serializer_class(self) -> Any:
        return TicketSerializer if self.action == "list" else TicketDetailSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = TicketFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        tickets = filter_tickets(self.get_queryset(), params.validated_data, user=request.user)
        page = self.paginate_queryset(tickets)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _detail(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        ticket = self._detailed().get(pk=pk)
        return Response(
            TicketDetailSerializer(ticket, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(
        summary="Open a ticket for a customer (a phone call, or an email they sent an agent)",
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer, 400: REFUSED},
    )
    def create(self, request: Request) -> Response:
        form = TicketCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if data["channel"] == Channel.PHONE:
            received = actions.log_phone_call(
                by=request.user,
                phone=data["phone"],
                name=data["name"],
                email=data["email"],
                subject=data["subject"],
                text=data["text"],
                category_slug=data["category"].slug if data.get("category") else "",
                order_ref=data["order_ref"],
                requester_role=data["requester_role"],
            )
        else:
            received = actions.receive_message(form.email_inbound(by=request.user))  # type: ignore[arg-type]
        return self._detail(received.ticket.pk, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change status, priority, category, team, assignee, tags or order number",
        request=TicketUpdateSerializer,
        responses={200: TicketDetailSerializer, 400: REFUSED},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        form = TicketUpdateSerializer(ticket, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        apply_changes(ticket, form.validated_data, by=request.user)  # type: ignore[arg-type]
        return self._detail(ticket.pk)

    @extend_schema(methods=["GET"], summary="The conversation", responses=MessageSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="Reply to the customer (sent on the ticket's channel)",
        request=WITH_FILES,
        responses={201: MessageSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def messages(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            page = self.paginate_queryset(conversation(ticket))
            return self.get_paginated_response(MessageSerializer(page, many=True, context=context).data)
        form = ReplySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        message = actions.reply(
            ticket,
            by=request.user,
            text=form.validated_data["text"],
            attachments=form.inbound_attachments(),
            status=form.validated_data.get("status"),
        )
        body = MessageSerializer(conversation(ticket).get(pk=message.pk), context=context).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add an internal note (never shown to the customer)",
        request=NOTE_WITH_FILES,
        responses={201: MessageSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def notes(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        form = NoteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        message = actions.add_note(
            ticket, by=request.user, text=form.validated_data["text"], attachments=form.inbound_attachments()
        )
        body = MessageSerializer(
            conversation(ticket).get(pk=message.pk), context=self.get_serializer_context()
        )
        return Response(body.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Merge this ticket into another one (this one is closed)",
        request=TicketMergeSerializer,
        responses={200: TicketDetailSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        form = TicketMergeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        into = form.validated_data["into"]
        self.check_object_permissions(request, into)
        merged = actions.merge(source, into=into, by=request.user)
        return self._detail(merged.pk)

    @extend_schema(summary="The ticket's timeline (audit trail)", responses=TicketEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        page = self.paginate_queryset(ticket.events.select_related("actor"))
        return self.get_paginated_response(
            TicketEventSerializer(page, many=True, context=self.get_serializer_context()).data
        )


class AttachmentDownloadView(APIView):
    """The stored file, always as a download (never rendered inline, whatever the customer sent)."""

    @extend_schema(
        summary="Download an attachment",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        attachment = access_attachment(request.user, pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404(_("The file of this attachment is missing from storage.")) from None
        return FileResponse(
            handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
        )
