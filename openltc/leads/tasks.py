"""Background jobs of the leads app, run by `openltc worker` (django-tasks)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def remind_overdue_first_contacts() -> int:
    """Sends the first-contact SLA reminders for leads whose deadline has passed (once each)."""
    from openltc.leads.services import remind_overdue_first_contacts as remind

    count = remind()
    logger.info("first-contact reminders sent for %d lead(s)", count)
    return count
