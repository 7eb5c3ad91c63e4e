"""Background jobs of the analytics app, run by `openltc worker` (django-tasks)."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def take_forecast_snapshots() -> dict[str, Any]:
    """Fills the weekly forecast snapshots up to this week (schedule it weekly; re-runnable)."""
    from openltc.analytics.services import forecast_snapshots_fill

    result = forecast_snapshots_fill()
    logger.info("forecast snapshots: %s", result)
    return result
