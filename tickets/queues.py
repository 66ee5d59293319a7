"""The desk's ticket lists: named queues, filters, sorting and the counts in the left navigation.

Everything the inbox asks of the database is decided here; the view only passes the agent's choices
in. A page of any size costs the same number of queries (Ticket.objects.for_list plus fixed prefetches).

Counts stop past COUNT_LIMIT ("1,000+", "More than 1,000 tickets"): an exact count reads every matching row, which
at a million tickets with a hundred thousand open costs more than the rest of the page (see
docs/PERFORMANCE.md); a capped count reads at most COUNT_LIMIT index entries whatever the table holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext_lazy as _

from sla import queries as sla_queries
from tickets import search
from tickets.models import (
    OPEN_STATUSES,
    PRIORITY_ORDER,
    ContactIdentity,
    Direction,
    Message,
    Status,
    Team,
    Ticket,
    TicketQuerySet,
)

RECENTLY_RESOLVED = dt.timedelta(days=7)
SNIPPET_LENGTH = 160


@dataclass(frozen=True)
class Queue:
    slug: str
    label: str | Promise
    where: Callable[[Any, dt.datetime], Q]
    counted: bool = True


QUEUES: tuple[Queue, ...] = (
    Queue("mine", _("Mine"), lambda user, now: Q(assignee=user, status__in=OPEN_STATUSES)),
    Queue("unassigned", _("Unassigned"), lambda user, now: Q(assignee=None, status__in=OPEN_STATUSES)),
    Queue("open", _("All open"), lambda user, now: Q(status__in=OPEN_STATUSES)),
    Queue("pending", _("Pending"), lambda user, now: Q(status=Status.PENDING)),
    Queue("on_hold", _("On hold"), lambda user, now: Q(status=Status.ON_HOLD)),
    Queue(
        "resolved",
        _("Recently resolved"),
        lambda user, now: Q(
            status__in=(Status.RESOLVED, Status.CLOSED),
            resolved_at__gte=now - RECENTLY_RESOLVED,
            merged_into=None,
        ),
    ),
    # Open tickets with a running SLA clock, the soonest due first (sorting is fixed for this queue).
    Queue("breaching", _("Breaching soon"), lambda user, now: Q(status__in=OPEN_STATUSES), counted=False),
    # Searching looks everywhere, closed tickets included; not counted (it would count the whole table).
    Queue("all", _("All tickets"), lambda user, now: Q(), counted=False),
)
QUEUE_BY_SLUG = {queue.slug: queue for queue in QUEUES}
DEFAULT_QUEUE = "mine"

SORTS: dict[str, str | Promise] = {
    "updated": _("Last activity"),
    "created": _("Newest"),
    "priority": _("Priority"),
}
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
COUNT_LIMIT = 1000


@dataclass(frozen=True)
class Filters:
    status: str = ""
    category: int | None = None
    channel: str = ""
    priority: str = ""
    team: int | str | None = None  # a team id, or "none"
    assignee: int | str | None = None  # a user id, "me" or "none"
    tag: str = ""
    sla: str = ""  # "breached" or "at_risk"

    def where(self, user: Any) -> Q:
        condition = Q()
        if self.status:
            condition &= Q(status=self.status)
        if self.category is not None:
            condition &= Q(category_id=self.category)
        if self.channel:
            condition &= Q(channel=self.channel)
        if self.priority:
            condition &= Q(priority=self.priority)
        if self.team == "none":
            condition &= Q(team=None)
        elif self.team is not None:
            condition &= Q(team_id=self.team)
        if self.assignee == "none":
            condition &= Q(assignee=None)
        elif self.assignee == "me":
            condition &= Q(assignee=user)
        elif self.assignee is not None:
            condition &= Q(assignee_id=self.assignee)
        if self.tag:
            condition &= Q(tags__name=self.tag.strip().lower())
        return condition


@dataclass(frozen=True)
class InboxQuery:
    queue: str = DEFAULT_QUEUE
    filters: Filters = Filters()
    text: str = ""
    sort: str = "updated"

    def tickets(self, user: Any, *, now: dt.datetime | None = None) -> TicketQuerySet:
        """The inbox rows for ``user``, sorted, with everything a row shows fetched up front."""
        return self._ordered(self._matching(user, now or timezone.now()))

    def _ordered(self, rows: TicketQuerySet) -> TicketQuerySet:
        if self.queue == "breaching":
            return sla_queries.breaching_soon(for_inbox(rows))
        return sort(for_inbox(rows), self.sort)

    def paginator(self, user: Any, per_page: int) -> CappedPaginator:
        """Pages of ``tickets``, counted on the bare matching rows (no joins, no sorting to pay for).

        A search first fetches the ids of up to COUNT_LIMIT + 1 matches (in place of the count, so the
        page costs the same number of queries). No more than COUNT_LIMIT: the page is those rows, sorted
        (a thousand primary-key look-ups at most). More: the page walks the sort's index (ticket_updated
        for "All tickets") and stops after a page, which is cheap precisely because matches are common;
        sorting all of them was what cost over a second at 1M tickets. Deciding on the real number of
        matches rather than on PostgreSQL's estimate matters: a search for one customer's email, taken for
        a common one, walked the whole table (docs/PERFORMANCE.md §1).
        """
        now = timezone.now()
        counted = self._matching(user, now)
        if self.queue == "breaching":
            counted = sla_queries.with_running_clock(counted)
        if not search.normalised(self.text):
            return CappedPaginator(self.tickets(user, now=now), per_page, counted=counted)
        ids = list(counted.order_by().values_list("pk", flat=True)[: COUNT_LIMIT + 1])
        if len(ids) > COUNT_LIMIT:
            return CappedPaginator(self.tickets(user, now=now), per_page, count=len(ids))
        return CappedPaginator(self._ordered(Ticket.objects.filter(pk__in=ids)), per_page, count=len(ids))

    def _matching(self, user: Any, now: dt.datetime) -> TicketQuerySet:
        rows: TicketQuerySet = Ticket.objects.filter(
            QUEUE_BY_SLUG[self.queue].where(user, now), self.filters.where(user)
        )
        rows = search.search(rows, self.text)
        if self.filters.sla == "breached":
            rows = sla_queries.breached(rows, now=now)
        elif self.filters.sla == "at_risk":
            rows = sla_queries.at_risk(rows, now=now)
        return rows


def for_inbox(tickets: TicketQuerySet) -> TicketQuerySet:
    """Rows with their contact (and addresses), tags, SLA clocks and the start of the latest customer message."""
    latest_text = (
        Message.objects.filter(ticket=OuterRef("pk"), direction=Direction.INBOUND)
        .order_by("-created_at", "-pk")
        .values("text")[:1]
    )
    rows = (
        tickets.for_list()
        .prefetch_related(Prefetch("contact__identities", queryset=ContactIdentity.objects.order_by("pk")))
        .annotate(snippet=Substr(Subquery(latest_text), 1, SNIPPET_LENGTH))
    )
    return sla_queries.with_sla_clocks(rows)


def sort(tickets: TicketQuerySet, key: str) -> TicketQuerySet:
    if key == "created":
        return tickets.order_by("-created_at", "-id")
    if key == "priority":
        rank = Case(
            *(When(priority=value, then=index) for index, value in enumerate(PRIORITY_ORDER)),
            default=0,
            output_field=IntegerField(),
        )
        return tickets.alias(priority_rank=rank).order_by("-priority_rank", "-updated_at", "-id")
    return tickets.order_by("-updated_at", "-id")


class CappedCount(Subquery):
    """How many rows ``queryset`` has, counting no further than COUNT_LIMIT + 1 (a scalar subquery)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) capped)"

    def __init__(self, queryset: QuerySet[Any]) -> None:
        # One past the limit, so "more than COUNT_LIMIT" can be told from "exactly COUNT_LIMIT".
        super().__init__(queryset.order_by().values("pk")[: COUNT_LIMIT + 1], output_field=IntegerField())


class CappedPaginator(Paginator):
    """A paginator whose count stops at COUNT_LIMIT: pages up to there, and ``capped`` says there is more.

    ``counted``: the same rows as ``object_list`` in a cheaper form to count (default: object_list);
    ``count``: their number (capped) when the caller already knows it.
    """

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        *,
        counted: QuerySet[Any] | None = None,
        count: int | None = None,
    ) -> None:
        super().__init__(object_list, per_page)
        self.counted = object_list if counted is None else counted
        if count is not None:
            self.__dict__["count"] = count  # what cached_property would have computed

    @property
    def limit(self) -> int:
        return COUNT_LIMIT

    @cached_property
    def count(self) -> int:
        # Which rows are counted does not matter, so no ordering, columns or joins beyond the filters.
        return int(self.counted.order_by().values("pk")[: COUNT_LIMIT + 1].count())

    @property
    def capped(self) -> bool:
        return bool(self.count > COUNT_LIMIT)

    def page(self, number: Any) -> Any:
        """A full page even past the counted rows (Django's cuts the page at ``count``)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)  # type: ignore[attr-defined]


def queue_counts(user: Any, *, now: dt.datetime | None = None) -> dict[str, int]:
    """How many tickets each counted queue holds (past COUNT_LIMIT: COUNT_LIMIT + 1), in one query.

    Each count is its own capped subquery, answered from the queue's index (ticket_open_assignee,
    ticket_open_updated, ticket_status_updated, ticket_resolved_at) without reading the table.
    """
    now = now or timezone.now()
    counts = {
        queue.slug: CappedCount(Ticket.objects.filter(queue.where(user, now)))
        for queue in QUEUES
        if queue.counted
    }
    # The agent's own row carries the counts ("mine" is theirs anyway): one query, one row.
    totals = get_user_model().objects.filter(pk=user.pk).annotate(**counts).values(*counts).first() or {}
    return {slug: totals.get(slug) or 0 for slug in counts}


def teams_with_open_counts() -> QuerySet[Team]:
    """Every team with ``open_count``, its open tickets (past COUNT_LIMIT: COUNT_LIMIT + 1), in one query."""
    open_tickets = Ticket.objects.filter(team=OuterRef("pk"), status__in=OPEN_STATUSES)
    return Team.objects.annotate(open_count=CappedCount(open_tickets))
