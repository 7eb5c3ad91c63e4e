"""Background jobs of the cash app, run by `openltc worker` (django-tasks)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_overdue_alerts() -> int:
    """Alerts the AR and the collection owner of overdue invoices (schedule it daily)."""
    from openltc.cash.services import overdue_alerts_send

    count = overdue_alerts_send()
    logger.info("overdue alerts sent for %d invoice(s)", count)
    return count
