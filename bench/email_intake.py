"""Raw-MIME email intake: messages per second in one process, and the raw webhook's latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_web .venv/bin/python bench/email_intake.py \\
        --messages 1000 --webhook-requests 1000 --concurrency 4

Builds a mixed corpus from channels_intake/email/tests/fixtures/*.eml, cycling through every fixture,
each copy with its own Message-ID and sender (so nothing dedupes; placeholders such as {{CUSTOMER}} are
filled in). Then:

1. ingestion: writes the corpus as a maildir and runs ``manage.py ingest_email <maildir>`` in this process
   (call_command: store each message as an InboundEvent and process it at once through
   channels_intake.email.intake, exactly what the command does for a piped message); reports messages/s
   and what each became. Automatic replies are queued on the bench broker and dropped afterwards.
2. webhooks: starts gunicorn (2 workers) with EMAIL_INTAKE_TOKEN and Anymail's secrets set, POSTs the
   corpus to /intake/email/raw/ with the bearer token, then as Mailgun posts inbound mail to
   /anymail/mailgun/inbound_mime/ (form with body-mime, HMAC-signed, Anymail's basic auth; bounded
   counts), reports p50/p95 latency and requests/s of each. The views store and queue; no Celery worker
   runs, the queued tasks are dropped from the bench broker afterwards and the events stay pending in
   the bench database.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import os
import re
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

FIXTURES = common.ROOT / "channels_intake/email/tests/fixtures"
TOKEN = "bench-intake-token"
OWN_ADDRESSES = "cs@tokoku.example,support@tokoku.example"
ANYMAIL_BASIC = "bench-anymail:bench-webhook-pass"
MAILGUN_KEY = "bench-mailgun-signing-key"
MESSAGE_ID = re.compile(rb"^Message-ID:[^\n]*\n(?:[ \t][^\n]*\n)*", re.IGNORECASE | re.MULTILINE)
FROM_ADDRESS = re.compile(rb"^(From:[^\n]*?)([\w.+-]+)@", re.IGNORECASE | re.MULTILINE)


def corpus(count: int, *, run: str) -> list[tuple[str, bytes]]:
    """``count`` raw messages cycling through the fixtures, each with a unique Message-ID and sender."""
    fixtures = sorted(FIXTURES.glob("*.eml"))
    messages = []
    for number in range(count):
        path = fixtures[number % len(fixtures)]
        raw = path.read_bytes().replace(b"\r\n", b"\n")
        raw = (
            raw.replace(b"{{CUSTOMER}}", f"Bench Customer <bench.{run}.{number}@bench.example>".encode())
            .replace(b"{{RECIPIENT}}", f"gone.{number}@bench.example".encode())
            .replace(b"{{OUR_MESSAGE_ID}}", f"<unknown-{run}-{number}@bench.example>".encode())
            .replace(b"{{FORGED_MESSAGE_ID}}", f"<forged-{run}-{number}@bench.example>".encode())
            .replace(b"{{TICKET}}", b"1")
        )
        head, sep, body = raw.partition(b"\n\n")
        unique = f"Message-ID: <bench-{run}-{number}@bench.example>\n".encode()
        if MESSAGE_ID.search(head + b"\n"):
            head = MESSAGE_ID.sub(lambda _m, new=unique: new, head + b"\n", count=1).rstrip(b"\n")
        suffix = f".b{run}{number}@".encode()
        head = FROM_ADDRESS.sub(lambda m, end=suffix: m.group(1) + m.group(2) + end, head, count=1)
        messages.append((path.name, head + sep + body))
    return messages


def ingest(messages: list[tuple[str, bytes]]) -> None:
    import mailbox

    from django.core.management import CommandError, call_command

    from channels_intake.models import InboundEvent

    with tempfile.TemporaryDirectory(prefix="bench-maildir-") as folder:
        box = mailbox.Maildir(str(Path(folder) / "corpus"), create=True)
        for _name, raw in messages:
            box.add(raw)
        first_id = InboundEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        output = io.StringIO()
        started = time.perf_counter()
        try:
            call_command("ingest_email", str(Path(folder) / "corpus"), stdout=output, stderr=output)
        except CommandError as error:  # quarantined fixtures (no sender at all) are counted below
            print(f"ingest_email: {error}")
        seconds = time.perf_counter() - started
    states: dict[str, int] = {}
    for state in InboundEvent.objects.filter(pk__gt=first_id, channel="email").values_list(
        "state", flat=True
    ):
        states[state] = states.get(state, 0) + 1
    duplicates = output.getvalue().count("(duplicate)")
    print(
        f"ingest_email, one process: {len(messages)} messages in {seconds:.1f}s = "
        f"{len(messages) / seconds:.1f} messages/s; outcomes {states}; duplicates {duplicates}"
    )


def post(raw: bytes) -> common.Job:
    def job(client: common.Client) -> int:
        status, _headers, _body = client.request(
            "POST",
            "/intake/email/raw/",
            body=raw,
            headers={"Content-Type": "message/rfc822", "Authorization": f"Bearer {TOKEN}"},
        )
        return status

    return job


def post_mailgun(raw: bytes, number: int) -> common.Job:
    """Inbound mail as Mailgun's "store and notify" route posts it with the full MIME (inbound_mime)."""
    timestamp = str(int(time.time()))
    token = f"{number:050d}"
    form = {
        "body-mime": raw.decode("utf-8", errors="surrogateescape"),
        "recipient": "cs@tokoku.example",
        "sender": "bench@bench.example",
        "subject": "bench",
        "timestamp": timestamp,
        "token": token,
        "signature": hmac.new(
            MAILGUN_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256
        ).hexdigest(),
    }
    body = urllib.parse.urlencode(form, encoding="utf-8", errors="surrogateescape").encode("ascii")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "Basic " + base64.b64encode(ANYMAIL_BASIC.encode()).decode(),
    }

    def job(client: common.Client) -> int:
        status, _headers, _body = client.request(
            "POST", "/anymail/mailgun/inbound_mime/", body=body, headers=headers
        )
        return status

    return job


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000, help="corpus size for the in-process ingestion")
    parser.add_argument("--webhook-requests", type=int, default=1000, help="POSTs to each webhook")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads for the webhook")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--skip", choices=["ingest", "webhook"], help="run only the other part")
    args = parser.parse_args()
    # The shop's own addresses the corpus writes to, configured as a deployment (and the tests) do:
    # otherwise cs@tokoku.example became a participant contact of every ticket.
    os.environ.setdefault("EMAIL_OWN_ADDRESSES", OWN_ADDRESSES)
    url = common.require_postgres_url()
    common.migrate_database(url)
    common.setup_django()
    print(common.machine_line())
    run = str(int(time.time()))
    if args.skip != "ingest":
        ingest(corpus(args.messages, run=f"c{run}"))
        print(f"({common.purge_broker()} queued follow-up tasks dropped from the bench broker)")
    if args.skip != "webhook":
        warmup = [post(raw) for _name, raw in corpus(2 * args.workers, run=f"w{run}")]
        warmup += [
            post_mailgun(raw, n) for n, (_name, raw) in enumerate(corpus(2 * args.workers, run=f"v{run}"))
        ]
        phases = {
            "POST /intake/email/raw/ (bearer token)": [
                post(raw) for _name, raw in corpus(args.webhook_requests, run=f"h{run}")
            ],
            "POST /anymail/mailgun/inbound_mime/ (signed, basic auth)": [
                post_mailgun(raw, n)
                for n, (_name, raw) in enumerate(corpus(args.webhook_requests, run=f"m{run}"))
            ],
        }
        env = {
            "EMAIL_INTAKE_TOKEN": TOKEN,
            "EMAIL_OWN_ADDRESSES": os.environ["EMAIL_OWN_ADDRESSES"],
            "ANYMAIL_WEBHOOK_SECRET": ANYMAIL_BASIC,
            "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY,
        }
        with common.gunicorn(url, workers=args.workers, extra_env=env) as (host, port):
            common.run_load(host, port, warmup, concurrency=args.workers)
            for label, jobs in phases.items():
                result = common.run_load(host, port, jobs, concurrency=args.concurrency)
                print(
                    f"{label}, gunicorn {args.workers} workers, {args.concurrency} clients: "
                    + result.summary()
                )
                for error in result.errors[:5]:
                    print("error:", error)
        print(f"({common.purge_broker()} queued processing tasks dropped from the bench broker)")


if __name__ == "__main__":
    main()
