"""Enqueues the weekly forecast snapshot job (for cron or a systemd timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from openltc.analytics.tasks import take_forecast_snapshots


class Command(BaseCommand):
    help = "Enqueue the forecast snapshot job (fills the weekly snapshots up to this week)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = take_forecast_snapshots.enqueue()
        self.stdout.write(f"enqueued {result.id}")
