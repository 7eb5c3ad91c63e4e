from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openltc.core.demo import DEMO_PASSWORD, contributors


class Command(BaseCommand):
    help = (
        "Load the deterministic demo organisation and data (safe to run again), or bulk data with --scale N."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--scale", type=int, default=0, help="Also generate N leads and proportional other records."
        )
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        scale = options["scale"]
        if scale < 0:
            raise CommandError("--scale must be zero or positive.")
        for contributor in contributors():
            started = time.monotonic()
            contributor.build(stdout=self.stdout)
            self.stdout.write(f"demo: {contributor.name} ready ({time.monotonic() - started:.1f}s)")
        if scale:
            for contributor in contributors():
                if contributor.scale is None:
                    continue
                started = time.monotonic()
                contributor.scale(scale, stdout=self.stdout)
                self.stdout.write(
                    f"demo: {contributor.name} scaled to {scale} ({time.monotonic() - started:.1f}s)"
                )
        if not options["quiet_logins"]:
            self.print_logins()

    def print_logins(self) -> None:
        from openltc.org.demo import DEMO_USERS, PERSON_NAMES

        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for username, label, _roles in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {PERSON_NAMES[username]:<22} {label}")
