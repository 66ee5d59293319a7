from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from tickets.access import is_agent


class IsAgent(BasePermission):
    """Only active users with an agent profile use the API."""

    message = "Only SupportDesk agents can use this API."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_agent(request.user)
