"""Inbox benchmark: server time and SQL queries per page on a seeded database (see bench/seed_tickets.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench python bench/inbox.py --requests 200

Renders the desk's inbox in-process through Django's test client (the whole view: middleware, queries,
template), as the demo agent, for the default view and for filtered + searched views, and prints
p50/p95 server time and the number of SQL queries per page at two page sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

VIEWS = {
    "default (mine)": {},
    "all open": {"view": "open"},
    "open, team + priority filter": {"view": "open", "team": "1", "priority": "high"},
    "all tickets, search words": {"view": "all", "q": "refund saldo"},
    "all tickets, search order number": {"view": "all", "q": "INV/202603"},
    "breaching soon": {"view": "breaching"},
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100, help="requests per view")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tickets.models import Ticket

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username="agent"))
    print(f"tickets in the database: {Ticket.objects.count():,}  ({connection.vendor})")
    print(f"{'view':<36} {'p50 ms':>8} {'p95 ms':>8} {'queries@25':>11} {'queries@100':>12}")
    for name, params in VIEWS.items():
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


if __name__ == "__main__":
    main()
