"""Background jobs of the decision engine, run by `openltc worker` (django-tasks)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def escalate_overdue_decisions() -> int:
    """Escalates cases pending longer than their gate's SLA to the decider's superior."""
    from openltc.decisions.services import escalate_overdue

    count = escalate_overdue()
    logger.info("escalated %d overdue decision case(s)", count)
    return count
