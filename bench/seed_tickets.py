"""Seed a PostgreSQL database with many tickets quickly (COPY), for the inbox and SLA benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench python bench/seed_tickets.py --tickets 1000000

Creates the database if missing, migrates, then COPYs contacts, identities, tickets (each with one
inbound message) in batches. Ticket statuses, channels, categories, teams and timestamps are spread the way
a busy marketplace desk looks: most tickets resolved/closed, a tail open.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

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
PRIORITIES = ["low", "normal", "normal", "normal", "high", "urgent"]


def ensure_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[-1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


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
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=50_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/sd_bench"
        )
    ensure_database(url)

    import django

    django.setup()
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
            tickets, messages = [], []
            for offset in range(start, min(start + args.batch, args.tickets)):
                pk = ticket_base + offset + 1
                created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
                updated = created + timedelta(minutes=rng.randint(0, 600))
                status = rng.choice(STATUSES)
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
            copy(cursor, "tickets_ticket", [
                "id", "subject", "contact_id", "requester_role", "category_id", "order_ref", "channel", "priority",
                "status", "hold_reason", "team_id", "assignee_id", "security_flag", "reopen_count", "search_text",
                "created_at", "updated_at", "last_customer_message_at", "resolved_at", "closed_at",
            ], tickets)  # fmt: skip
            copy(cursor, "tickets_message", [
                "ticket_id", "direction", "channel", "external_id", "subject", "text", "full_text", "html",
                "is_automatic", "delivery_status", "delivery_error", "send_attempts", "metadata", "created_at",
            ], messages)  # fmt: skip
            print(f"{start + len(tickets):>9,} tickets  {time.perf_counter() - started:6.1f}s", flush=True)
        for table in ("tickets_contact", "tickets_ticket", "tickets_message", "tickets_contactidentity"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")
    print(f"Seeded {args.tickets:,} tickets in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
