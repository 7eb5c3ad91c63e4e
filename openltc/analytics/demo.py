"""Demo data of the analytics app: a quota per org unit for the current month (the company's
pipeline, won and open, sized to give a coverage worth looking at) and the weekly forecast
snapshots filled from the demo's stage history. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from openltc.analytics.models import Quota
from openltc.analytics.selectors import add_months, month_start
from openltc.analytics.services import forecast_snapshots_fill
from openltc.opportunities.models import Opportunity
from openltc.org.models import OrgUnit


def build(*, stdout: Any = None) -> None:
    first = month_start(timezone.localdate())
    last = add_months(first, 1) - datetime.timedelta(days=1)
    total = Opportunity.objects.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    created = 0
    for unit in OrgUnit.objects.filter(is_active=True, kind__in=(OrgUnit.Kind.COMPANY, OrgUnit.Kind.REGION)):
        share = Decimal("0.25") if unit.kind == OrgUnit.Kind.COMPANY else Decimal("0.10")
        _quota, made = Quota.objects.get_or_create(
            org_unit=unit,
            user=None,
            period_start=first,
            defaults={
                "period_end": last,
                "amount": (total * share).quantize(Decimal("1")),
                "currency": "CNY",
            },
        )
        created += int(made)
    result = forecast_snapshots_fill()
    if stdout is not None:
        stdout.write(f"analytics: {created} quota(s), {result['rows']} forecast snapshot row(s)\n")
