"""Seed a PostgreSQL database with many tickets quickly (COPY), for the inbox and SLA benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_inbox .venv/bin/python bench/seed_tickets.py --tickets 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_sla .venv/bin/python bench/seed_tickets.py --tickets 1000000 --open-only

Creates the database if missing, migrates, then COPYs contacts, identities, tickets (each with one
inbound message) in batches. Ticket statuses, channels, categories, teams and timestamps are spread the way
a busy marketplace desk looks: most tickets resolved/closed, a tail open (``--open-only``: every ticket
open, for the SLA sweep). Every open ticket gets its SLA clock (the default policy's first-response
target): running ones due between 1 hour and 14 days from now (so nothing is due right after seeding),
paused ones (pending, on hold) with no due time, as sla.clocks.recompute would leave them.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

WORDS = [
    "pesanan",
    "belum",
    "sampai",
    "refund",
    "saldo",
    "pulsa",
    "token",
    "listrik",
    "paket",
    "kurir",
    "resi",
    "pembayaran",
    "gagal",
    "pending",
    "akun",
    "login",
    "otp",
    "voucher",
    "promo",
    "barang",
    "rusak",
    "retur",
    "tukar",
    "ukuran",
    "warna",
    "penjual",
    "pembeli",
    "dana",
    "cair",
]
STATUSES = (
    ["new"] * 3 + ["open"] * 5 + ["pending"] * 3 + ["on_hold"] * 2 + ["resolved"] * 30 + ["closed"] * 57
)
CHANNELS = [
    "email",
    "web",
    "whatsapp",
    "whatsapp",
    "whatsapp",
    "instagram",
    "messenger",
    "chat",
    "x",
    "phone",
]
OPEN_ONLY_STATUSES = ["new"] * 3 + ["open"] * 5 + ["pending"] * 3 + ["on_hold"] * 2
PAUSED = ("pending", "on_hold")
PRIORITIES = ["low", "normal", "normal", "normal", "high", "urgent"]
CLOCK_COLUMNS = [
    "ticket_id", "policy_id", "target", "name", "kind", "cycle", "clock", "calendar_id", "started_at",
    "due_at", "warn_at", "paused_at", "paused_business_seconds", "remaining_seconds", "updated_at",
]  # fmt: skip


def copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write(
            "\t".join("\\N" if v is None else str(v).replace("\t", " ").replace("\n", " ") for v in row)
        )
        buffer.write("\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument(
        "--open-only", action="store_true", help="every ticket open (new/open/pending/on hold)"
    )
    args = parser.parse_args()
    url = common.require_postgres_url()
    common.ensure_database(url)
    common.setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    rng = random.Random(42)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tickets_category ORDER BY id")
        categories = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM tickets_team ORDER BY id")
        teams = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM auth_user ORDER BY id")
        users = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM tickets_contact")
        contact_base = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM tickets_ticket")
        ticket_base = cursor.fetchone()[0]
        cursor.execute(
            "SELECT p.id, t.key, t.name, t.kind FROM sla_slapolicy p JOIN sla_slatarget t ON t.policy_id = p.id"
            " WHERE p.is_default ORDER BY t.position, t.id LIMIT 1"
        )
        policy_id, target_key, target_name, target_kind = cursor.fetchone()
        statuses = OPEN_ONLY_STATUSES if args.open_only else STATUSES
        clocks_written = 0
        now = datetime.now(UTC)
        contacts = max(1, args.tickets // 4)
        for start in range(0, contacts, args.batch):
            ids = range(contact_base + start + 1, contact_base + min(start + args.batch, contacts) + 1)
            copy(
                cursor,
                "tickets_contact",
                ["id", "name", "language", "tier", "notes", "created_at"],
                [(i, f"Pelanggan {i}", "id", "regular", "", now.isoformat()) for i in ids],
            )
            copy(
                cursor,
                "tickets_contactidentity",
                ["contact_id", "kind", "address", "display_name", "created_at"],
                [(i, "email", f"customer{i}@bench.example", "", now.isoformat()) for i in ids],
            )
        for start in range(0, args.tickets, args.batch):
            tickets, messages, clocks = [], [], []
            for offset in range(start, min(start + args.batch, args.tickets)):
                pk = ticket_base + offset + 1
                created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
                updated = created + timedelta(minutes=rng.randint(0, 600))
                status = rng.choice(statuses)
                text = " ".join(rng.choices(WORDS, k=12))
                order = f"INV/2026{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}/MPL/{rng.randint(10**9, 10**10 - 1)}"
                resolved = updated.isoformat() if status in ("resolved", "closed") else None
                tickets.append((
                    pk, text[:60], contact_base + rng.randint(1, contacts), rng.choice(["buyer", "seller"]),
                    rng.choice(categories), order, rng.choice(CHANNELS), rng.choice(PRIORITIES), status, "",
                    rng.choice(teams), rng.choice(users) if rng.random() < 0.7 else None, False, 0, text,
                    created.isoformat(), updated.isoformat(), updated.isoformat(), resolved,
                    updated.isoformat() if status == "closed" else None,
                ))  # fmt: skip
                messages.append((pk, "in", "email", f"<bench-{pk}@bench.example>", text[:60], text, "", "", False,
                                 "received", "", 0, "{}", created.isoformat()))  # fmt: skip
                if status not in ("resolved", "closed"):
                    clocks.append(
                        clock_row(
                            rng, pk, status, created, now, policy_id, target_key, target_name, target_kind
                        )
                    )
            copy(cursor, "tickets_ticket", [
                "id", "subject", "contact_id", "requester_role", "category_id", "order_ref", "channel", "priority",
                "status", "hold_reason", "team_id", "assignee_id", "security_flag", "reopen_count", "search_text",
                "created_at", "updated_at", "last_customer_message_at", "resolved_at", "closed_at",
            ], tickets)  # fmt: skip
            copy(cursor, "tickets_message", [
                "ticket_id", "direction", "channel", "external_id", "subject", "text", "full_text", "html",
                "is_automatic", "delivery_status", "delivery_error", "send_attempts", "metadata", "created_at",
            ], messages)  # fmt: skip
            copy(cursor, "sla_slaclock", CLOCK_COLUMNS, clocks)
            clocks_written += len(clocks)
            print(f"{start + len(tickets):>9,} tickets  {time.perf_counter() - started:6.1f}s", flush=True)
        for table in (
            "tickets_contact",
            "tickets_ticket",
            "tickets_message",
            "tickets_contactidentity",
            "sla_slaclock",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
        # A long-running database is vacuumed by autovacuum: without it index-only scans read the heap.
        cursor.execute("VACUUM ANALYZE")
    print(
        f"Seeded {args.tickets:,} tickets and {clocks_written:,} SLA clocks in {time.perf_counter() - started:.1f}s"
    )


def clock_row(rng, ticket_id, status, created, now, policy_id, key, name, kind) -> tuple:
    """One SLA clock row for an open ticket: running (due 1 h to 14 days ahead) or paused."""
    if status in PAUSED:
        due = warn = None
        paused = (now - timedelta(minutes=rng.randint(1, 60 * 24 * 3))).isoformat()
        remaining = rng.randint(600, 86_400)
    else:
        due_at = now + timedelta(minutes=rng.randint(60, 60 * 24 * 14))
        due, warn = due_at.isoformat(), (due_at - timedelta(minutes=30)).isoformat()
        paused, remaining = None, None
    return (ticket_id, policy_id, key, name, kind, 1, "business", None, created.isoformat(), due, warn, paused, 0,
            remaining, now.isoformat())  # fmt: skip


if __name__ == "__main__":
    main()
