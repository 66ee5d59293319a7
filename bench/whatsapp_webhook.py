"""WhatsApp webhook: events per second and p95 acknowledgement latency, with the Celery worker running and
with it stopped (the acknowledgement must not depend on the worker).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_web .venv/bin/python bench/whatsapp_webhook.py \\
        --events 1500 --concurrency 4

Migrates the bench database and configures a WhatsAppNumber "bench" with a known app secret (for the
fixtures' phone_number_id). Builds signed payloads from channels_intake/whatsapp/tests/fixtures/*.json,
cycling through every fixture (messages of every type and delivery statuses), each with a unique wamid
and one of 500 customer numbers, signed with X-Hub-Signature-256 exactly as Meta signs them. Starts
gunicorn (2 workers) on a free 127.0.0.1 port and:

1. with a Celery worker (concurrency 1) running: POSTs the events, then reports how long the worker
   took to process them all (bounded wait);
2. with no worker: POSTs another set; the processing tasks pile up on the bench broker (Redis db 11)
   and are dropped at the end, the events stay pending in the bench database (the periodic sweep would
   process them once a worker runs).

Provider calls the worker makes (media downloads) go to a closed 127.0.0.1 port and fail: nothing leaves
the machine.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import hmac
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

FIXTURES = common.ROOT / "channels_intake/whatsapp/tests/fixtures"
APP_SECRET = "bench-app-secret"
ACCOUNT = "bench"
CUSTOMERS = 500


def payloads(count: int, *, run: str) -> list[bytes]:
    templates = [json.loads(path.read_text()) for path in sorted(FIXTURES.glob("*.json"))]
    bodies = []
    for number in range(count):
        payload = copy.deepcopy(templates[number % len(templates)])
        customer = str(6281200000000 + number % CUSTOMERS)
        for entry in payload.get("entry", []):
            for change in entry.get("changes", []):
                value = change.get("value", {})
                for index, item in enumerate(value.get("messages", [])):
                    item["id"] = f"wamid.bench.{run}.{number}.{index}"
                    item["from"] = customer
                for contact in value.get("contacts", []):
                    contact["wa_id"] = customer
                for index, item in enumerate(value.get("statuses", [])):
                    item["id"] = f"wamid.bench.{run}.{number}.s{index}"
                    item["recipient_id"] = customer
        bodies.append(json.dumps(payload, separators=(",", ":")).encode())
    return bodies


def post(body: bytes) -> common.Job:
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}

    def job(client: common.Client) -> int:
        status, _headers, _body = client.request(
            "POST", f"/intake/whatsapp/{ACCOUNT}/", body=body, headers=headers
        )
        return status

    return job


def configure_number() -> None:
    from channels_intake.accounts import WhatsAppNumber

    WhatsAppNumber.objects.update_or_create(
        slug=ACCOUNT,
        defaults={
            "name": "Bench number",
            "phone_number_id": "106540352242922",
            "access_token": "bench-token",
            "app_secret": APP_SECRET,
            "verify_token": "bench-verify",
            "active": True,
        },
    )


def pending_since(first_id: int) -> int:
    from channels_intake.models import InboundEvent

    return InboundEvent.objects.filter(pk__gt=first_id, channel="whatsapp", state="pending").count()


def last_event_id() -> int:
    from channels_intake.models import InboundEvent

    return InboundEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1500, help="webhook POSTs per phase")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--drain-seconds", type=float, default=300, help="longest wait for the worker")
    args = parser.parse_args()
    url = common.require_postgres_url()
    common.migrate_database(url)
    common.setup_django()
    configure_number()
    common.purge_broker()
    print(common.machine_line())
    run = str(int(time.time()))
    with common.gunicorn(url, workers=args.workers) as (host, port):
        common.run_load(
            host, port, [post(b) for b in payloads(2 * args.workers, run=f"w{run}")], concurrency=2
        )
        with common.celery_worker(url, concurrency=1):
            first = last_event_id()
            jobs = [post(body) for body in payloads(args.events, run=f"a{run}")]
            result = common.run_load(host, port, jobs, concurrency=args.concurrency)
            print(f"worker running: POST /intake/whatsapp/: {result.summary('events')}")
            started, deadline = time.perf_counter(), time.monotonic() + args.drain_seconds
            while (left := pending_since(first)) and time.monotonic() < deadline:
                time.sleep(0.5)
            drained = time.perf_counter() - started + result.seconds
            print(
                f"worker (concurrency 1) had processed all but {left} of {result.completed} events "
                f"{drained:.1f}s after the first POST = {(result.completed - left) / drained:.1f} events/s"
            )
        jobs = [post(body) for body in payloads(args.events, run=f"b{run}")]
        result = common.run_load(host, port, jobs, concurrency=args.concurrency)
        print(f"worker stopped: POST /intake/whatsapp/: {result.summary('events')}")
    print(f"({common.purge_broker()} queued tasks dropped from the bench broker)")
    for error in result.errors[:5]:
        print("error:", error)


if __name__ == "__main__":
    main()
