from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openltc.core import integrity


class Command(BaseCommand):
    help = (
        "Check the cross-record invariants of the database (also `openltc check-integrity`). "
        "Exits with status 1 and lists the violations when any invariant does not hold."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--check",
            action="append",
            dest="checks",
            metavar="NAME",
            help="Run only this check (repeatable).",
        )
        parser.add_argument("--list", action="store_true", help="List the registered checks and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        checks = integrity.registered()
        if options["list"]:
            for name, fn in checks.items():
                doc = (fn.__doc__ or "").strip().splitlines()
                self.stdout.write(f"{name:<40} {doc[0] if doc else ''}")
            return
        names = options["checks"] or list(checks)
        started = time.monotonic()
        try:
            violations = integrity.run_checks(names)
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from None
        elapsed = time.monotonic() - started
        if violations:
            for violation in violations:
                self.stderr.write(str(violation))
            raise CommandError(
                f"Integrity check failed: {len(violations)} violation(s) in "
                f"{len({v.check for v in violations})} of {len(names)} check(s).",
                returncode=1,
            )
        self.stdout.write(f"Integrity OK: {len(names)} check(s), no violations ({elapsed:.2f}s).")
