"""`openltc escalate-decisions`: escalate decision cases pending longer than their SLA."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from openltc.decisions.services import escalate_overdue


class Command(BaseCommand):
    help = "Escalates decision cases pending longer than their gate's SLA to the decider's superior."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Run in the background worker instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            from openltc.decisions.tasks import escalate_overdue_decisions

            escalate_overdue_decisions.enqueue()
            self.stdout.write("queued")
            return
        count = escalate_overdue()
        self.stdout.write(f"escalated {count} case(s)")
