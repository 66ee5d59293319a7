"""Contact form load: valid submissions per second and p95 latency through gunicorn (2 workers).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_web .venv/bin/python bench/contact_form.py \\
        --submissions 600 --concurrency 4

Migrates the bench database, starts gunicorn on a free 127.0.0.1 port with DEBUG=0 and RATELIMIT_ENABLE=0
(every submission comes from 127.0.0.1, which the form's per-address limit would otherwise stop after a
few), then each client thread GETs /contact/ (for the CSRF cookie and token and the form's submission id,
untimed) and POSTs a filled-in form as a browser does (multipart). Only the POST is timed; it is counted
when it redirects (302) to the thank-you page, i.e. a ticket was opened. Stops gunicorn at the end.
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION = re.compile(rb'name="submission" value="([^"]+)"')
CATEGORY = re.compile(rb'<option value="([a-z0-9-]+)"')


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
    )
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return body, f"multipart/form-data; boundary={boundary}"


def submit(number: int) -> common.Job:
    def job(client: common.Client) -> int:
        status, _headers, page = client.request("GET", "/contact/")
        if status != 200:
            raise RuntimeError(f"GET /contact/ answered {status}")
        token, submission, category = (
            CSRF.search(page),
            SUBMISSION.search(page),
            CATEGORY.search(page),
        )
        if not (token and submission and category):
            raise RuntimeError("the form page lacks a CSRF token, a submission id or a topic")
        body, content_type = multipart(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "submission": submission.group(1).decode(),
                "requester_role": "buyer",
                "category": category.group(1).decode(),
                "name": f"Pelanggan Bench {number}",
                "email": f"bench-form-{number}-{uuid.uuid4().hex[:8]}@bench.example",
                "phone": "",
                "order_ref": f"INV/20260101/MPL/{1000000000 + number}",
                "description": "Pesanan saya belum sampai, mohon dibantu cek resi pengiriman. " * 3,
                "website": "",
            }
        )
        client.start_timer()
        status, headers, _ = client.request(
            "POST",
            "/contact/",
            body=body,
            headers={"Content-Type": content_type, "Referer": "http://127.0.0.1/contact/"},
        )
        if status == 302 and "/contact/thanks/" not in headers.get("location", ""):
            return 0  # redirected somewhere else: not an opened ticket
        return status

    return job


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=600, help="valid submissions to send")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--max-seconds", type=float, default=300, help="stop sending after this long")
    args = parser.parse_args()
    url = common.require_postgres_url()
    common.migrate_database(url)
    print(common.machine_line())
    warmup = [submit(-n) for n in range(1, 2 * args.workers + 1)]
    jobs = [submit(n) for n in range(args.submissions)]
    with common.gunicorn(url, workers=args.workers, extra_env={"RATELIMIT_ENABLE": "0"}) as (host, port):
        common.run_load(host, port, warmup, concurrency=args.workers)
        result = common.run_load(host, port, jobs, concurrency=args.concurrency, max_seconds=args.max_seconds)
    dropped = common.purge_broker()
    print(
        f"contact form, gunicorn {args.workers} workers, {args.concurrency} clients, RATELIMIT_ENABLE=0: "
        + result.summary("submissions")
    )
    print(f"(302 = ticket opened; {dropped} queued follow-up tasks dropped from the bench broker)")
    for error in result.errors[:5]:
        print("error:", error)
    if result.statuses.get(302, 0) != args.submissions:
        sys.exit("not every submission opened a ticket: see the statuses above")


if __name__ == "__main__":
    main()
