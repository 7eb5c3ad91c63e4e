"""Queues the first-contact SLA reminder job; run it from cron (e.g. hourly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from openltc.leads.tasks import remind_overdue_first_contacts


class Command(BaseCommand):
    help = "Queue reminders for leads whose first-contact deadline has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        result = remind_overdue_first_contacts.enqueue()
        self.stdout.write(f"queued {result.id}")
