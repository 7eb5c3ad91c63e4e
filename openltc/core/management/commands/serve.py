from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve OpenLTC with gunicorn (several workers) and run a background task worker beside it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "4")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "2")))
        # Idle keep-alive seconds: longer than a client's pause between requests, so a reused
        # connection is not closed under it (gunicorn's default of 2 s reset a few load-run
        # requests); behind a load balancer, set it above the balancer's idle timeout.
        parser.add_argument("--keep-alive", type=int, default=int(os.environ.get("WEB_KEEPALIVE", "15")))
        parser.add_argument("--no-worker", action="store_true", help="Do not start the task worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            port = int(options["port"])
        except ValueError:
            raise CommandError(f"PORT must be a number, not {options['port']!r}.") from None
        if not 0 < port < 65536:
            raise CommandError(f"PORT must be between 1 and 65535, not {port}.")
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        env = dict(os.environ)
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "openltc", "worker"], env=env)
        bind = f"[{options['host']}]:{port}" if ":" in options["host"] else f"{options['host']}:{port}"
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "openltc.config.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--worker-class",
            "gthread",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "20",
            "--timeout",
            "60",
            "--keep-alive",
            str(options["keep_alive"]),
        ]
        self.stdout.write(
            f"OpenLTC is serving on http://{options['host']}:{port}/ with {options['workers']} workers"
        )
        web = subprocess.Popen(cmd, env=env)
        try:
            code = web.wait()
        except KeyboardInterrupt:
            web.send_signal(signal.SIGTERM)
            code = web.wait()
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
        if code not in (0, -signal.SIGTERM, -signal.SIGINT):
            raise CommandError(f"The web server stopped with exit code {code}.")
