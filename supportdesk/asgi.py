"""ASGI entry point: HTTP through Django, WebSockets (live chat, the agent workspace) through Channels."""

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
django.setup(set_prefix=False)  # what get_asgi_application() does, with our handler below

from supportdesk.handlers import RequestASGIHandler  # noqa: E402

django_asgi_app = RequestASGIHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from channels_intake.chat.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application})

from supportdesk.checks import refuse_to_start_on_errors  # noqa: E402

refuse_to_start_on_errors()

# What start-up loaded (Django, the apps, their modules: most of the process's objects) lives as long as
# the process: keep it out of the garbage collector's full collections. Without this a full collection
# paused every socket of the process for 50-220 ms, several times while 200 chats opened
# (docs/PERFORMANCE.md §6).
gc.freeze()
