"""The inbox: a queue of tickets, filtered, searched, sorted and paginated (logic in tickets.queues)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from tickets import queues
from tickets.views.desk.common import agent_required, render_desk
from tickets.views.desk.forms import InboxForm


@agent_required
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxForm.from_request(request.GET)
    form.is_valid()
    query = form.inbox_query()
    page = query.paginator(request.user, form.page_size()).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "query": query,
        "queue": queues.QUEUE_BY_SLUG[query.queue],
        "page": page,
        "filtered": query.filters != queues.Filters(),
    }
    return render_desk(request, "desk/inbox.html", context)
