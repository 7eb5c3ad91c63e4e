"""Invoiced and collected in the funnel, receivables on the dashboard: read from the cash app's
invoices and selectors (rows made directly here; the cash services are tested in their app)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from openltc.analytics import dashboard, selectors
from openltc.analytics.selectors import ReportFilters
from openltc.analytics.tests.factories import build

pytestmark = pytest.mark.django_db


def contract_and_invoice(opp: Any, *, total: str, invoiced: str, received: str) -> Any:
    from openltc.cash.models import Invoice, IssuingEntity
    from openltc.contracts.models import Contract

    contract = Contract.objects.create(
        number=f"C-{opp.number}",
        title="Contract",
        opportunity=opp,
        customer=opp.customer,
        signing_entity="Us",
        org_unit=opp.org_unit,
        owner=opp.owner,
        status="signed",
        signed_on=datetime.date(2026, 9, 21),
        total_gross=Decimal(total),
    )
    entity, _ = IssuingEntity.objects.get_or_create(code="SH01", defaults={"name": "Us Shanghai"})
    Invoice.objects.create(
        number=f"INV-{opp.number}",
        kind="invoice",
        issuing_entity=entity,
        contract=contract,
        customer=opp.customer,
        status="open",
        issue_date=datetime.date(2026, 9, 22),
        due_date=datetime.date(2026, 10, 22),
        currency="CNY",
        net_amount=Decimal(invoiced),
        gross_amount=Decimal(invoiced),
        allocated_amount=Decimal(received),
    )
    return contract


def test_funnel_adds_invoiced_and_collected(rep: Any, other_rep: Any) -> None:
    data = build(rep, other_rep)
    contract_and_invoice(data.o4, total="450", invoiced="300", received="120")
    filters = ReportFilters(date_from=datetime.date(2026, 9, 1), date_to=datetime.date(2026, 9, 30))
    steps = {s["key"]: s for s in selectors.funnel(user=rep, filters=filters)["steps"]}
    assert (steps["contracted"]["count"], steps["contracted"]["amount"]) == (1, Decimal("450.00"))
    assert (steps["invoiced"]["count"], steps["invoiced"]["amount"]) == (1, Decimal("300.00"))
    assert (steps["collected"]["count"], steps["collected"]["amount"]) == (1, Decimal("120.00"))
    assert steps["collected"]["amount_conversion"] == Decimal("0.4000")
    # the other region's rep sees none of it
    other = {s["key"]: s for s in selectors.funnel(user=other_rep, filters=filters)["steps"]}
    assert other["invoiced"]["count"] == 0


def test_dashboard_cash_figures(rep: Any, other_rep: Any, executive: Any) -> None:
    data = build(rep, other_rep)
    contract_and_invoice(data.o4, total="450", invoiced="300", received="120")
    filters = ReportFilters(date_from=datetime.date(2026, 9, 1), date_to=datetime.date(2026, 9, 30))
    cash = dashboard.cash_figures(user=executive, filters=filters)
    assert cash is not None
    assert (cash["invoiced"], cash["collected"], cash["collection_rate"]) == (
        Decimal("300.00"),
        Decimal("120.00"),
        Decimal("0.4000"),
    )
    # aging and DSO come from the cash app's own selectors (tested there); here they answer
    assert cash["aging"]
    assert cash["dso"] is not None
