from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openltc.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the whole database while the server keeps running "
        "(SQLite online backup API, or pg_dump custom format on PostgreSQL)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output", "-o", help="File to write (default: var/backups/openltc-<date>.sqlite3 or .dump)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            path = backup(options["output"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = path.stat().st_size
        self.stdout.write(
            f"Backup written to {path} ({size / 1e6:.1f} MB, {time.monotonic() - started:.1f}s)."
        )
