from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from tickets.access import can_work_on, is_agent
from tickets.models import Ticket


class IsAgent(BasePermission):
    """Only active users with an agent profile use the API; per ticket, tickets.access decides."""

    message = _("Only SupportDesk agents can use this API.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_agent(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if isinstance(obj, Ticket):
            return can_work_on(request.user, obj)
        return is_agent(request.user)
