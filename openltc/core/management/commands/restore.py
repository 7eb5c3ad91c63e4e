from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openltc.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup written by `openltc backup`. Refuses a database "
        "that already holds data unless --force is given. Stop the server first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="The backup file.")
        parser.add_argument("--force", action="store_true", help="Overwrite a database that holds data.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            restore(options["path"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored {options['path']} ({time.monotonic() - started:.1f}s).")
        self.stdout.write("Run `openltc check-integrity` to verify the restored data.")
