"""How refused changes reach an API client: tickets.actions.ActionError becomes 400 {"detail": "<why>"}."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tickets.actions import ActionError


class ActionRefused(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("This change is not allowed.")
    default_code = "action_refused"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus ActionError: the action's own message, written for the person who asked."""
    if isinstance(exc, ActionError):
        exc = ActionRefused(str(exc))
    return drf_exception_handler(exc, context)


class ErrorSerializer(serializers.Serializer):
    """The body of a refused request (documentation only)."""

    detail = serializers.CharField()
