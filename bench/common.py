"""What the benchmark scripts share: Django set-up, the bench database, statistics, a gunicorn server
started on a free 127.0.0.1 port, a Celery worker, and a bounded threaded HTTP load generator.

Nothing here is imported by the application; every script in bench/ runs as ``python bench/<name>.py``.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Servers and workers a script starts use BENCH_REDIS_URL, else the REDIS_URL it was given, else db 11
# (engineers sharing a machine each use their own).
BENCH_REDIS_URL = (
    os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/11"
)

# What every server process of a run gets besides DATABASE_URL (the brief's production-like settings).
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench",
    "ALLOWED_HOSTS": "127.0.0.1",
    "LOG_LEVEL": "WARNING",
    # Anything a worker would send to a provider goes to a closed local port: nothing leaves the machine.
    "META_GRAPH_URL": "http://127.0.0.1:9/v21.0",
    "X_API_URL": "http://127.0.0.1:9",
}


def setup_django(*, database_url: str | None = None) -> None:
    """Import path, settings and ``django.setup()`` for an in-process benchmark."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("REDIS_URL", BENCH_REDIS_URL)
    import django

    django.setup()


def require_postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL bench database, e.g. "
            "postgres://postgres@127.0.0.1:5432/sd_bench_mine"
        )
    return url


def ensure_database(url: str) -> None:
    """Create the database named at the end of ``url`` when it does not exist yet."""
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


def migrate_database(url: str) -> None:
    """Create (if needed) and migrate the bench database, in a child process so this one stays clean."""
    ensure_database(url)
    run_manage(url, "migrate", "--noinput", "--skip-checks", "-v", "0")


def run_manage(url: str, *args: str) -> None:
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": url, "REDIS_URL": BENCH_REDIS_URL}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)


# --- Statistics and the machine ---------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` 0.95 for p95); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def machine_line() -> str:
    """Date, CPU, load average and a CPU yardstick: every result is printed with it, for
    docs/PERFORMANCE.md. Machines of the same size differ: the yardstick (a fixed pure-Python loop) took
    0.56 s on the machine of 2026-12-04 evening (AMD EPYC), where ingestion ran at about half the rate
    measured that morning on another machine of the same size."""
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{stamp}; {os.cpu_count()} CPUs ({platform.machine()}, {cpu_model()}); load average {load}; "
        f"yardstick {yardstick_seconds():.2f} s"
    )


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def yardstick_seconds() -> float:
    """CPU seconds for 10 million iterations of a small arithmetic loop (lower is a faster core)."""
    started = time.process_time()
    total = 0
    for number in range(10_000_000):
        total += number * number % 7
    return time.process_time() - started


# --- Servers ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes], *, grace: float = 15) -> None:
    """Stop one process we started: SIGTERM to it (gunicorn's master and Celery's main process stop their
    own children), then its whole process group if it has not stopped after ``grace`` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextlib.contextmanager
def gunicorn(
    url: str, *, workers: int = 2, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """Run ``gunicorn supportdesk.wsgi`` on a free 127.0.0.1 port; yields (host, port); stops it after."""
    port = free_port()
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": url, "REDIS_URL": BENCH_REDIS_URL, **(extra_env or {})}
    command = [
        str(BIN / "gunicorn"),
        "supportdesk.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        _wait_until_up("127.0.0.1", port, process)
        yield "127.0.0.1", port
    finally:
        _stop(process)


def _wait_until_up(host: str, port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before answering")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection(host, port, timeout=5)
            connection.request("GET", "/healthz/")
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz/ with 200 in time")


@contextlib.contextmanager
def celery_worker(url: str, *, concurrency: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """A Celery worker on the bench broker (Redis db 11) for the duration of the block."""
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": url, "REDIS_URL": BENCH_REDIS_URL}
    command = [
        str(BIN / "celery"),
        "-A",
        "supportdesk",
        "worker",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "ERROR",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    # Its start-up banner goes to stdout; errors still reach stderr.
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    try:
        time.sleep(3)  # let it connect to the broker before the load starts
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited with {process.returncode}")
        yield process
    finally:
        _stop(process, grace=30)


def purge_broker() -> int:
    """Drop queued task messages on the bench broker (Redis db 11, Celery's default queue)."""
    import redis

    client = redis.Redis.from_url(os.environ.get("REDIS_URL", BENCH_REDIS_URL))
    dropped = int(client.llen("celery"))
    client.delete("celery")
    return dropped


def have(program: str) -> bool:
    return (BIN / program).exists() or shutil.which(program) is not None


# --- HTTP load --------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def summary(self, unit: str = "requests") -> str:
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(self.statuses.items()))
        return (
            f"{self.completed} {unit} in {self.seconds:.1f}s = {self.per_second:.1f}/s; "
            f"p50 {percentile(self.latencies_ms, 0.5):.1f} ms, p95 {percentile(self.latencies_ms, 0.95):.1f} ms, "
            f"max {max(self.latencies_ms, default=0):.1f} ms; statuses {{{statuses}}}; errors {len(self.errors)}"
        )


# One unit of work for a client thread: it gets its own keep-alive connection and returns the status of
# the request it timed (a contact form submission also does an untimed GET first).
Job = Callable[["Client"], int]


class Client:
    """A tiny HTTP/1.1 client on one connection (reconnects when the server closes it)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.timer_started = 0.0

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.connection.close()  # the server closed a kept-alive connection: one retry
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip()
        if response.will_close:
            self.connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def start_timer(self) -> None:
        """Jobs that do untimed preparation call this right before the request they want timed."""
        self.timer_started = time.perf_counter()


def run_load(
    host: str,
    port: int,
    jobs: list[Job],
    *,
    concurrency: int,
    timeout: float = 30,
    max_seconds: float = 300,
) -> LoadResult:
    """Run every job (bounded: ``len(jobs)`` requests, at most ``max_seconds``) on ``concurrency`` threads."""
    result = LoadResult()
    lock = threading.Lock()
    pending = iter(jobs)
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        client = Client(host, port, timeout)
        while time.monotonic() < deadline:
            with lock:
                job = next(pending, None)
            if job is None:
                return
            client.start_timer()
            try:
                status = job(client)
            except Exception as error:  # a timeout or a refused connection is a result, not a crash
                with lock:
                    result.errors.append(f"{error.__class__.__name__}: {error}")
                client.connection.close()
                continue
            elapsed = (time.perf_counter() - client.timer_started) * 1000
            with lock:
                result.latencies_ms.append(elapsed)
                result.statuses[status] = result.statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result
