"""The contact endpoints: look customers up, see their identities and tickets, merge duplicates."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tickets import actions
from tickets.access import visible_contacts
from tickets.api.errors import ErrorSerializer
from tickets.api.filters import ContactFilterSerializer, filter_contacts
from tickets.api.inputs import ContactMergeSerializer
from tickets.api.serializers import ContactDetailSerializer, ContactSerializer
from tickets.models import Contact


@extend_schema_view(
    list=extend_schema(summary="List or search contacts", parameters=[ContactFilterSerializer]),
    retrieve=extend_schema(summary="A contact with identities and newest tickets"),
)
class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Contact]:
        return visible_contacts(self.request.user).prefetch_related("identities")

    def get_serializer_class(self) -> Any:
        return ContactSerializer if self.action == "list" else ContactDetailSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = ContactFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page = self.paginate_queryset(filter_contacts(self.get_queryset(), params.validated_data))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Merge this contact into another one (identities and tickets move there)",
        request=ContactMergeSerializer,
        responses={
            200: ContactDetailSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid input, or the merge is not allowed."),
        },
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        form = ContactMergeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        into = form.validated_data["into"]
        self.check_object_permissions(request, into)
        actions.merge_contacts(source, into=into, by=request.user)
        kept = self.get_queryset().get(pk=into.pk)
        return Response(ContactDetailSerializer(kept, context=self.get_serializer_context()).data)
