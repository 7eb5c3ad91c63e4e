from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task worker (e-mail notifications, imports, escalations, snapshots)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", action="store_true", help="Run the queued tasks, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_args = ["--queue-name", "*", "--interval", "1"]
        if options["batch"]:
            worker_args.append("--batch")
        call_command("db_worker", *worker_args)
