"""Inbox benchmark: server time and SQL queries per page on a seeded database (see bench/seed_tickets.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_inbox .venv/bin/python bench/inbox.py --requests 200

Renders the desk's inbox in-process through Django's test client (the whole view: middleware, queries,
template), as the demo agent, for the default view and for filtered + searched views, and prints
p50/p95 server time and the number of SQL queries per page at two page sizes. ``--explain`` prints each
view's slowest query with PostgreSQL's EXPLAIN ANALYZE instead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common
from bench.common import percentile

VIEWS = {
    "default (mine)": {},
    "all open": {"view": "open"},
    "open: team + priority filter": {"view": "open", "team": "1", "priority": "high"},
    "all: search words": {"view": "all", "q": "refund saldo"},
    "all: search order number": {"view": "all", "q": "INV/202603"},
    "breaching soon": {"view": "breaching"},
    # Filled in from the database at start: what an agent usually pastes, one customer or one order.
    "all: search customer email": {"view": "all", "q": ""},
    "all: search full order number": {"view": "all", "q": ""},
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100, help="requests per view")
    parser.add_argument("--views", help="comma-separated view names to run (default: all)")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print each view's slowest query with EXPLAIN ANALYZE, then stop",
    )
    args = parser.parse_args()
    common.setup_django()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tickets.models import ContactIdentity, Ticket

    latest = (
        Ticket.objects.exclude(order_ref="").order_by("-pk").values_list("order_ref", "contact_id").first()
    )
    if latest:
        email = ContactIdentity.objects.filter(contact_id=latest[1], kind="email").values_list(
            "address", flat=True
        )
        VIEWS["all: search customer email"]["q"] = email.first() or "customer@bench.example"
        VIEWS["all: search full order number"]["q"] = latest[0]

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username="agent"))
    print(common.machine_line())
    print(f"tickets in the database: {Ticket.objects.count():,}  ({connection.vendor})")
    print(f"{'view':<36} {'p50 ms':>8} {'p95 ms':>8} {'queries@25':>11} {'queries@100':>12}")
    chosen = {name: VIEWS[name] for name in args.views.split(",")} if args.views else VIEWS
    if args.explain:
        explain_slowest(client, chosen)
        return
    for name, params in chosen.items():
        queries = {}
        for size in (25, 100):
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/desk/", {**params, "per_page": size})
            assert response.status_code == 200, response.status_code
            queries[size] = len(captured.captured_queries)
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            client.get("/desk/", params)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"{name:<36} {statistics.median(timings):8.1f} {percentile(timings, 0.95):8.1f} "
            f"{queries[25]:>11} {queries[100]:>12}"
        )


def explain_slowest(client, views: dict[str, dict[str, str]]) -> None:
    """Each view's slowest SQL query, with its time and PostgreSQL's EXPLAIN ANALYZE."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, params in views.items():
        client.get("/desk/", params)  # warm caches first
        with CaptureQueriesContext(connection) as captured:
            client.get("/desk/", params)
        slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
        total = sum(float(query["time"]) for query in captured.captured_queries)
        print(
            f"== {name}: {len(captured)} queries, {total * 1000:.1f} ms in SQL; slowest {float(slowest['time']) * 1000:.1f} ms:"
        )
        print(slowest["sql"])
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + slowest["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
