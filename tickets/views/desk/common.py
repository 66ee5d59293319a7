"""What every desk page shares: who may enter, and the layout's navigation (queues and their counts)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from tickets import queues
from tickets.access import is_agent

View = Callable[..., HttpResponseBase]


def agent_required(view: View) -> View:
    """Anonymous visitors go to the login page; logged-in users without an agent profile get a 403
    page that says why (rather than a login loop)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_agent(request.user):
            return render(request, "desk/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def render_desk(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """Render a page inside the desk layout, whose left navigation shows every queue with its count."""
    return render(request, template, {**nav_context(request.user), **context}, status=status)


def nav_context(user: Any) -> dict[str, Any]:
    """The left navigation (desk/_nav.html): every queue with its count, and the teams' open tickets."""
    counts = queues.queue_counts(user)
    nav = [(queue, counts.get(queue.slug)) for queue in queues.QUEUES]
    return {"nav_queues": nav, "nav_teams": queues.teams_with_open_counts()}
