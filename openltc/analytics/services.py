"""Writes of the analytics app: managers' forecast adjustments and the weekly snapshot job."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openltc.analytics.forecasting import (
    ADJUSTABLE,
    SNAPSHOT_JOB,
    _history_rows,
    _live_rows,
    snapshot_months,
    snapshot_weeks,
    unit_rollup,
    week_start,
)
from openltc.analytics.models import ForecastAdjustment, ForecastSnapshot, JobProgress
from openltc.analytics.selectors import load_settings, month_period, month_start, stage_table
from openltc.core.audit import record_event
from openltc.core.errors import DomainError, NotFound
from openltc.core.services import validate
from openltc.core.visibility import CHANGE, user_scope
from openltc.org.models import OrgUnit


def _field_error(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


@transaction.atomic
def forecast_adjust(
    *, actor: Any, org_unit_id: Any, month: datetime.date | None, category: str, amount: Any, reason: str
) -> ForecastAdjustment:
    """Records a manager's own forecast for a unit they manage, month and category (commit or
    best case), keeping the rolled-up figure it replaces and the reason."""
    scope = user_scope(actor)
    raw = str(org_unit_id or "")
    unit = OrgUnit.objects.filter(pk=int(raw)).first() if raw.isdigit() and int(raw) < 2**31 else None
    if unit is None or not scope.covers(unit.path, CHANGE):
        raise NotFound(_("Not found."))
    if month is None:
        raise _field_error("month", _("Give the month as YYYY-MM."))
    if category not in ADJUSTABLE:
        raise _field_error("category", _("Only the commit and best-case forecasts can be adjusted."))
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise _field_error("amount", _("Enter a number.")) from None
    if not value.is_finite() or value < 0:
        raise _field_error("amount", _("The adjusted forecast must not be negative."))
    reason = (reason or "").strip()
    if not reason:
        raise _field_error("reason", _("Give the reason for the adjustment."))
    if "\x00" in reason:
        raise _field_error("reason", _("The text contains a NUL character."))
    period = month_period(month_start(month))
    adjustment = ForecastAdjustment(
        org_unit=unit,
        period=period.start,
        category=category,
        amount=value,
        system_amount=unit_rollup(user=actor, unit=unit, period=period, category=category),
        reason=reason,
        adjusted_by=actor,
    )
    validate(adjustment)
    adjustment.save()
    record_event(
        actor=actor,
        action="analytics.forecast_adjusted",
        subject=adjustment,
        after={
            "org_unit": unit.code,
            "month": period.start.strftime("%Y-%m"),
            "category": category,
            "amount": value,
            "system_amount": adjustment.system_amount,
            "reason": reason,
        },
    )
    return adjustment


@transaction.atomic
def forecast_snapshots_fill(*, today: datetime.date | None = None) -> dict[str, Any]:
    """Fills the weekly forecast snapshots up to the current week and records how far it got.

    Re-runnable: each week it fills is replaced whole; the current week is taken live, missed
    past weeks (and, on the first run, the backfill window) are rebuilt from the stage history.
    """
    cfg = load_settings()
    stages = stage_table()
    current = week_start(today or timezone.localdate())
    progress, _created = JobProgress.objects.select_for_update().get_or_create(job=SNAPSHOT_JOB)
    weeks = snapshot_weeks(progress, current, cfg)
    written = 0
    for week in weeks:
        months = snapshot_months(week, cfg)
        rows = _live_rows(week, months) if week == current else _history_rows(week, months, stages)
        ForecastSnapshot.objects.filter(week=week).delete()
        ForecastSnapshot.objects.bulk_create(rows)
        written += len(rows)
    progress.filled_until = current
    progress.last_run_at = timezone.now()
    progress.rows_written = written
    progress.save()
    return {"weeks": [w.isoformat() for w in weeks], "rows": written, "filled_until": current.isoformat()}
