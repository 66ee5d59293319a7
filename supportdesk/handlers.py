"""The HTTP side of the ASGI server (supportdesk/asgi.py)."""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.db import connections


class RequestASGIHandler(ASGIHandler):
    """Django's ASGI handler, closing the database connections a request opened when it ends.

    Django serves every ASGI request in a thread of its own (asgiref's ThreadSensitiveContext), so a
    connection kept for CONN_MAX_AGE is never used again: it stays open until the garbage collector
    finds the thread's connection object. 200 ticket-page loads left ~100 PostgreSQL connections open
    and the next requests failed with "too many clients" (docs/PERFORMANCE.md §6). Persistent
    connections still serve the sockets, whose database work runs in long-lived worker threads.
    """

    async def handle(self, scope, receive, send):  # type: ignore[no-untyped-def]
        try:
            await super().handle(scope, receive, send)
        finally:
            # Inside the request's ThreadSensitiveContext: runs in the thread the view ran in.
            await sync_to_async(connections.close_all)()
