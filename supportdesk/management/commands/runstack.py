"""Run the whole app in one terminal: the web server plus a Celery worker with the beat scheduler.

This is what `make run` uses. On the embedded default (in-memory channel layer) the worker runs as
threads INSIDE the web process, so what it publishes (routing, SLA and escalation changes, delivery
status) reaches open pages and chat widgets at once: an in-memory layer is not shared between processes
(supportdesk/layers.py). With a shared layer (Redis) the worker is a separate process, as on the full
stack (docker-compose.yml: web servers, N workers and exactly one beat).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


def _die_with_parent() -> None:
    """On Linux, ask the kernel to stop a child when runstack itself dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Command(BaseCommand):
    help = "Run web + Celery worker + beat together; Ctrl-C stops all of them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        for folder in ("broker", "broker-processed"):
            os.makedirs(settings.VAR_DIR / folder, exist_ok=True)
        if "InMemory" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
            self.run_in_one_process(options)
            return
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", f"{options['host']}:{options['port']}", "--noreload"],
            "worker": [
                python, "-m", "celery", "-A", "supportdesk", "worker", "--beat",
                "--loglevel", "INFO", "--concurrency", str(options["concurrency"]),
                "--schedule", str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
            ],
        }  # fmt: skip
        processes = {
            name: subprocess.Popen(command, preexec_fn=_die_with_parent) for name, command in commands.items()
        }
        self.stdout.write(
            self.style.SUCCESS(f"SupportDesk is running at http://{options['host']}:{options['port']}/desk/")
        )
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping the others.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()

    def run_in_one_process(self, options: dict[str, Any]) -> None:
        """The worker (thread pool, embedded beat) in a thread; the web server in the main thread."""
        import threading

        from django.core.management import call_command

        from supportdesk.celery import app

        worker = app.WorkController(
            pool_cls="threads",
            concurrency=options["concurrency"],
            beat=True,
            schedule_filename=str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
            hostname="embedded@%h",
            loglevel="INFO",
        )
        threading.Thread(target=worker.start, name="celery-worker", daemon=True).start()
        self.stdout.write(
            self.style.SUCCESS(
                f"SupportDesk is running at http://{options['host']}:{options['port']}/desk/"
                " (web and worker in one process)"
            )
        )
        try:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
        finally:
            worker.stop(in_sighandler=False)
