"""WebSocket routes (supportdesk/asgi.py mounts ``websocket_application``).

The visitor socket is used from merchants' sites: its origin is checked against the widget's allowed sites
and it authenticates with the signed visitor token, never a cookie. The agent socket is SupportDesk's own:
same-host origins only, and the Django session cookie.
"""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from channels_intake.chat.agent_consumer import AgentConsumer
from channels_intake.chat.consumers import VisitorConsumer

websocket_urlpatterns = [
    path("ws/chat/<str:key>/", VisitorConsumer.as_asgi()),
    path("ws/desk/", AllowedHostsOriginValidator(AuthMiddlewareStack(AgentConsumer.as_asgi()))),
]

websocket_application = URLRouter(websocket_urlpatterns)
