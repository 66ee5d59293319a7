"""Benchmark: N concurrent chats held open on ONE Daphne process; visitor → agent latency.

Each chat has a visitor socket (/ws/chat/<key>/) and an agent socket (/ws/desk/) watching the chat's
ticket. Every visitor sends a message every --interval seconds; the latency is the time from the visitor
sending it until the agent's page could show it: the agent's socket hears that the ticket changed, and the
fetch static/desk/live.js then makes (GET /desk/tickets/<id>/parts/?parts=<the event's parts>&after=<the
last message id the page shows>...) returns the message. Each agent page loads the ticket page once. A message
that never arrives (30 s) or a chat that fails counts as a latency of infinity for each message it did
not deliver, so failures raise the percentiles instead of vanishing from them. Results go to stdout as
one JSON object.

Where the agents' HTTP requests (ticket pages, the parts fetches) go, --http: ``gunicorn`` (2 workers
beside the Daphne process, the full stack's layout in docker-compose.yml: deploy/nginx.conf sends /ws/
to Daphne and the rest to gunicorn; the default with a Redis channel layer) or ``daphne`` (the same
process as the sockets, as the README's run command serves everything; the only choice with the
in-memory layer, which does not reach other processes).

Full stack (PostgreSQL + Redis), the target p95 < 100 ms at 200 chats:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_chat_bench REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/chat_roundtrip.py --chats 200
Embedded default (SQLite in var/bench/, in-memory channel layer): leave both unset.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from wsclient import WebSocket, http_get  # noqa: E402

LOST = float("inf")
WAIT_SECONDS = 30.0

ORIGIN = "https://bench.example.co.id"


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="supportdesk.settings",
        SECRET_KEY=env.get("SECRET_KEY", "bench-" + uuid.uuid4().hex),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        CELERY_TASK_ALWAYS_EAGER="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    if not env.get("DATABASE_URL"):
        env["SUPPORTDESK_VAR_DIR"] = str(ROOT / "var" / "bench")
    return env


def prepare(chats: int, per_agent: int) -> dict[str, Any]:
    """Fresh data: a team, a widget, agents with signed-in sessions, and the visitors' chat sessions."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    from channels_intake.chat import visitor
    from channels_intake.chat.identity import visitor_token
    from channels_intake.chat.models import ChatWidget
    from tickets.models import AgentProfile, Team

    run_id = uuid.uuid4().hex[:6]
    # Earlier runs' agents leave the desk: the assignee menu of every ticket page lists the active agents,
    # and on a bench database used ten times it listed 400 instead of this run's 40 (a slower page).
    User.objects.filter(username__startswith="bench-", is_active=True).update(is_active=False)
    team = Team.objects.create(name=f"Bench {run_id}", slug=f"bench-{run_id}")
    widget = ChatWidget.objects.create(name=f"Bench {run_id}", team=team, allowed_origins=ORIGIN)
    cookies = []
    for n in range((chats + per_agent - 1) // per_agent):
        user = User.objects.create_user(f"bench-{run_id}-{n}", first_name=f"Agent {n}")
        profile = AgentProfile.objects.create(user=user, max_concurrent_chats=per_agent)
        profile.teams.add(team)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(f"sessionid={store.session_key}")
    tokens = [visitor_token(visitor.start_session(widget, name=f"Visitor {n}", email=f"v{n}-{run_id}@example.test"))
              for n in range(chats)]  # fmt: skip
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does on a live database: without it the tables this script keeps growing are
        # read through the heap (index-only scans fetched 4,600 heap rows for the queue counts).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    return {"key": widget.public_key, "cookies": cookies, "tokens": tokens, "per_agent": per_agent}


def ticket_of(token: str) -> int:
    from channels_intake.chat.identity import session_for_token

    session = session_for_token(token)
    assert session is not None and session.ticket_id is not None
    return session.ticket_id


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def drain(ws: WebSocket, sink: asyncio.Queue[dict[str, Any]] | None = None) -> None:
    try:
        while True:
            frame = await ws.receive()
            if sink is not None:
                await sink.put(frame)
    except (ConnectionError, asyncio.IncompleteReadError):
        return


async def chat(
    port: int,
    data: dict[str, Any],
    n: int,
    args: argparse.Namespace,
    latencies: list[float],
    pokes: list[float],
    during_ramp: list[float],
    after_ramp: list[float],
) -> None:
    delivered = 0
    try:
        async for poke, latency, sent in conversation(port, data, n, args):
            pokes.append(poke)
            latencies.append(latency)
            # Sent while chats were still opening (and their pages loading), or after.
            (during_ramp if sent < args.ramp_ends else after_ramp).append(latency)
            delivered += 1
    finally:
        missing = args.messages - delivered  # a failed chat loses the rest
        latencies.extend([LOST] * missing)
        after_ramp.extend([LOST] * missing)  # (counted where they would have been sent: at the end)
        pokes.extend([LOST] * missing)


class AgentPage:
    """What the agent's ticket page knows: the last message and timeline entry it shows."""

    def __init__(self, port: int, cookie: str, ticket_id: int) -> None:  # port: the HTTP server's
        self.port, self.cookie, self.ticket_id = port, cookie, ticket_id
        self.after = self.events_after = 0

    async def get(self, path: str) -> bytes:
        headers = {"Cookie": self.cookie, "X-Requested-With": "live"}
        status, body = await http_get("127.0.0.1", self.port, path, headers)
        if status != 200:
            raise ConnectionError(f"GET {path}: {status}")
        return body

    def remember(self, body: bytes) -> None:
        for name, pattern in (
            ("after", rb'data-last-message-id="(\d+)"'),
            ("events_after", rb'data-last-event-id="(\d+)"'),
        ):
            found = [int(value) for value in re.findall(pattern, body)]
            if found:
                setattr(self, name, max([getattr(self, name), *found]))

    async def load(self) -> None:
        """The agent opens the ticket page (once)."""
        self.remember(await self.get(f"/desk/tickets/{self.ticket_id}/"))

    async def shows(self, parts: list[str], text: str) -> None:
        """Until the parts live.js fetches for a change (static/desk/live.js) contain ``text``."""
        while True:
            query = f"?parts={','.join(parts)}&after={self.after}&events_after={self.events_after}"
            body = await self.get(f"/desk/tickets/{self.ticket_id}/parts/{query}")
            self.remember(body)
            if text.encode() in body:
                return
            await asyncio.sleep(0.05)


async def conversation(port: int, data: dict[str, Any], n: int, args: argparse.Namespace) -> Any:
    key, token = data["key"], data["tokens"][n]
    await asyncio.sleep(n * args.ramp / args.chats)  # visitors arrive over --ramp seconds, not all at once
    customer = await WebSocket.connect("127.0.0.1", port, f"/ws/chat/{key}/", {"Origin": ORIGIN})
    await customer.send({"type": "hello", "token": token, "after": 0})
    acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    customer_task = asyncio.ensure_future(drain(customer, acks))
    await customer.send({"type": "message", "client_id": str(uuid.uuid4()), "text": "Halo, saya mau tanya"})
    while (await acks.get())["type"] != "ack":
        pass
    ticket_id = await asyncio.to_thread(ticket_of, token)
    cookie = data["cookies"][n // data["per_agent"]]
    agent = await WebSocket.connect(
        "127.0.0.1", port, "/ws/desk/", {"Origin": "http://127.0.0.1", "Cookie": cookie}
    )
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    agent_task = asyncio.ensure_future(drain(agent, events))
    await agent.send({"type": "watch", "ticket": ticket_id})
    await agent.send({"type": "ping"})  # frames are handled in order: the pong means we are watching
    while (await events.get()).get("type") != "pong":
        pass
    page = AgentPage(args.http_port, cookie, ticket_id)
    if not args.skip_page_load:
        await page.load()
    await asyncio.sleep(random.uniform(0, args.interval))  # spread the chats over the interval
    for number in range(args.messages):
        while not events.empty():
            events.get_nowait()
        started = time.perf_counter()
        text = f"Pesan {number} dari {n}"
        await customer.send({"type": "message", "client_id": str(uuid.uuid4()), "text": text})

        poked = LOST

        async def arrives(text: str = text, started: float = started) -> None:
            nonlocal poked
            while True:
                event = await events.get()
                if event.get("type") == "changed" and event.get("kind") == "customer_message":
                    break
            poked = (time.perf_counter() - started) * 1000
            await page.shows(event["parts"], text)

        try:
            await asyncio.wait_for(arrives(), timeout=WAIT_SECONDS)
            yield poked, (time.perf_counter() - started) * 1000, started
        except TimeoutError:
            yield poked, LOST, started
        await asyncio.sleep(max(0.0, args.interval - (time.perf_counter() - started)))
    for ws, task in ((customer, customer_task), (agent, agent_task)):
        await ws.close()
        task.cancel()


def wait_until_up(port: int) -> None:
    """Until the server answers /healthz/ (each gunicorn worker loads Django before it takes a request)."""
    for _attempt in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz/", headers={"Host": "127.0.0.1"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no server answered on port {port}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process and its children (gunicorn's workers) have used so far."""
    total = 0.0
    for process in [pid, *children(pid)]:
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(
    port: int, data: dict[str, Any], args: argparse.Namespace, server_pid: int, http_pid: int | None
) -> dict[str, Any]:
    latencies: list[float] = []
    pokes: list[float] = []  # until the agent's socket hears "changed" (the earlier measure)
    peak = 0.0

    async def watch_memory() -> None:
        nonlocal peak
        while True:
            peak = max(peak, rss_mb(server_pid))
            await asyncio.sleep(0.5)

    lags: list[float] = []

    async def watch_own_loop() -> None:
        """How late this client's own event loop wakes up: a late client makes every latency look late."""
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append((time.perf_counter() - asked - 0.01) * 1000)

    watcher = asyncio.ensure_future(watch_memory())
    lag_watcher = asyncio.ensure_future(watch_own_loop())
    cpu_before = cpu_seconds(server_pid)
    client_cpu_before = time.process_time()
    http_cpu_before = cpu_seconds(http_pid) if http_pid else 0.0
    started = time.perf_counter()
    args.ramp_ends = started + args.ramp
    during_ramp: list[float] = []
    after_ramp: list[float] = []
    results = await asyncio.gather(
        *(chat(port, data, n, args, latencies, pokes, during_ramp, after_ramp) for n in range(args.chats)),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - cpu_before
    client_cpu = time.process_time() - client_cpu_before
    http_cpu = cpu_seconds(http_pid) - http_cpu_before if http_pid else None
    watcher.cancel()
    lag_watcher.cancel()
    lags.sort()
    errors = [repr(result) for result in results if isinstance(result, BaseException)]
    ordered = sorted(latencies)

    def pct(p: float, values: list[float] = ordered) -> float | str:
        if not values:
            return "n/a"
        value = values[min(len(values) - 1, int(p / 100 * len(values)))]
        return "lost (infinite)" if value == LOST else round(value, 1)

    poke_order = sorted(pokes)

    arrived = [value for value in ordered if value != LOST]

    return {
        "chats": args.chats,
        "sockets_open": args.chats * 2,
        "messages": len(latencies),
        "lost_messages": len(ordered) - len(arrived),
        "rate_per_s": round(len(arrived) / elapsed, 1),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        # Messages sent while chats were still opening (the first --ramp seconds), and the rest.
        "messages_during_ramp": len(during_ramp),
        "p95_during_ramp_ms": pct(95, sorted(during_ramp)),
        "p95_after_ramp_ms": pct(95, sorted(after_ramp)),
        "poke_p50_ms": pct(50, poke_order),
        "poke_p95_ms": pct(95, poke_order),
        "max_arrived_ms": round(max(arrived), 1) if arrived else None,
        "client_loop_lag_p99_ms": round(lags[int(0.99 * len(lags))], 1) if lags else None,
        "client_loop_lag_max_ms": round(lags[-1], 1) if lags else None,
        "mean_arrived_ms": round(statistics.fmean(arrived), 1) if arrived else None,
        "errors": errors[:5],
        "failed_chats": len(errors),
        "server_peak_rss_mb": round(peak, 1),
        # Daphne's CPU for the whole run (sockets, messages, page loads, fetches) per message delivered.
        "server_cpu_s": round(server_cpu, 1),
        "server_cpu_ms_per_message": round(server_cpu * 1000 / len(arrived), 1) if arrived else None,
        # This script's own CPU (400 sockets, page parsing): it shares the cores with the servers.
        "client_cpu_s": round(client_cpu, 1),
        # gunicorn's master and workers (ticket pages, parts fetches), with --http gunicorn.
        "http_server_cpu_s": round(http_cpu, 1) if http_cpu is not None else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10, help="messages per chat after the first")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between a visitor's messages")
    parser.add_argument("--chats-per-agent", type=int, default=5)
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds over which the chats open")
    parser.add_argument(
        "--skip-page-load",
        action="store_true",
        help="agents do not load the ticket page when their chat opens (the message path alone)",
    )
    parser.add_argument(
        "--http",
        choices=["gunicorn", "daphne"],
        help="the server of the agents' HTTP requests (default: gunicorn with a Redis channel layer)",
    )
    parser.add_argument("--http-workers", type=int, default=2)
    args = parser.parse_args()

    env = environment()
    os.environ.update(env)
    from django.conf import settings

    redis_layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis")
    args.http = args.http or ("gunicorn" if redis_layer else "daphne")
    if args.http == "gunicorn" and not redis_layer:
        parser.error(
            "--http gunicorn needs REDIS_URL: the in-memory channel layer does not reach other processes"
        )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    data = prepare(args.chats, args.chats_per_agent)
    port = free_port()
    log = open(ROOT / "var" / "bench-daphne.log", "w")  # noqa: SIM115  (closed with the server)
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "supportdesk.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    http_server = None
    args.http_port = port
    if args.http == "gunicorn":
        args.http_port = free_port()
        http_server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "supportdesk.wsgi:application", "--workers", str(args.http_workers),
             "--bind", f"127.0.0.1:{args.http_port}", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        for listening in {port, args.http_port}:
            wait_until_up(listening)
        http_pid = http_server.pid if http_server else None
        result = asyncio.run(run(port, data, args, server.pid, http_pid))
    finally:
        for process in (server, http_server):
            if process is not None:
                process.terminate()
                process.wait(timeout=20)
        log.close()

    result["database"] = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    result["channel_layer"] = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    result["interval_s"] = args.interval
    result["ramp_s"] = args.ramp
    result["page_loads"] = not args.skip_page_load
    result["http_server"] = (
        f"gunicorn, {args.http_workers} workers" if http_server else "daphne (the same process)"
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
