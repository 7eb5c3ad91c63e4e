"""Receivables analytics: aging buckets, DSO, plan vs actual, unbilled, contract summary,
closure conditions and integrity checks."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from openltc.cash import closure, integrity, selectors, services
from openltc.cash.models import AgingBucket, CashPolicy, IssuingEntity
from openltc.cash.tests.factories import plan_lines, signed_contract

pytestmark = pytest.mark.django_db
D = Decimal
AS_OF = datetime.date(2026, 6, 30)


@pytest.fixture(autouse=True)
def defaults(db):
    """Transactional tests flush migration rows; these tests state the default settings."""
    buckets = [
        (10, "Not due", None, 0),
        (20, "1–30", 1, 30),
        (30, "31–60", 31, 60),
        (40, "61–90", 61, 90),
        (50, "91–180", 91, 180),
        (60, "181–365", 181, 365),
        (70, ">365", 366, None),
    ]
    AgingBucket.objects.all().delete()
    for position, label, low, high in buckets:
        AgingBucket.objects.create(position=position, label=label, min_days=low, max_days=high)
    IssuingEntity.objects.get_or_create(code="HQ", defaults={"name": "HQ"})
    CashPolicy.objects.all().delete()
    CashPolicy.objects.create()


@pytest.fixture
def book(rep, finance):
    """Two invoices on one contract: one due 2026-06-20 (10 days overdue on AS_OF), one due
    2026-08-01 (not due); 50000 received on the first."""
    contract = signed_contract(rep)
    lines = plan_lines(contract)
    first = services.invoice_issue(
        actor=finance,
        contract=contract,
        lines=[{"plan_line": lines[0].pk, "amount": "83700.00"}],
        issue_date=datetime.date(2026, 6, 1),
        due_date=datetime.date(2026, 6, 20),
    )
    second = services.invoice_issue(
        actor=finance,
        contract=contract,
        lines=[{"plan_line": lines[1].pk, "amount": "100000.00"}],
        issue_date=datetime.date(2026, 6, 10),
        due_date=datetime.date(2026, 8, 1),
    )
    receipt = services.receipt_record(
        actor=finance,
        customer=contract.customer,
        amount="50000.00",
        currency="CNY",
        received_on=datetime.date(2026, 6, 25),
        payer="Acme",
    )
    services.receipt_allocate(
        actor=finance,
        receipt=receipt,
        allocations=[{"invoice": first.pk, "amount": "50000.00"}],
        allocated_on=datetime.date(2026, 6, 25),
    )
    return contract, first, second


def test_aging_buckets_by_days_past_due(finance, book):
    result = selectors.aging(user=finance, as_of=AS_OF)
    assert result.labels[:2] == ["Not due", "1–30"]
    assert result.totals[0] == D("100000.00")  # not due
    assert result.totals[1] == D("33700.00")  # 10 days overdue, partly paid
    assert result.total == D("133700.00")
    # before the receipt was allocated, the first invoice was open in full
    earlier = selectors.aging(user=finance, as_of=datetime.date(2026, 6, 24))
    assert earlier.totals[1] == D("83700.00")


def test_aging_grouped_and_restricted(finance, other_rep, book):
    contract, _first, _second = book
    by_customer = selectors.aging(user=finance, as_of=AS_OF, group_by="customer")
    assert [r.label for r in by_customer.rows] == [contract.customer.name]
    assert selectors.aging(user=other_rep, as_of=AS_OF).total == 0


def test_aging_converts_through_exchange_rates(rep, finance):
    from openltc.decisions.models import ExchangeRate

    ExchangeRate.objects.filter(currency="USD").delete()
    contract = signed_contract(rep, currency="USD")
    services.invoice_issue(
        actor=finance,
        contract=contract,
        lines=[{"plan_line": plan_lines(contract)[0].pk, "amount": "100.00"}],
        issue_date=datetime.date(2026, 6, 1),
        due_date=datetime.date(2026, 6, 1),
    )
    assert selectors.aging(user=finance, as_of=AS_OF).unconverted == 1
    ExchangeRate.objects.create(currency="USD", rate=D("7.1"))
    result = selectors.aging(user=finance, as_of=AS_OF)
    assert result.total == D("710.00")
    assert result.unconverted == 0


def test_dso_formula(finance, book):
    rows = selectors.dso(user=finance, as_of=AS_OF, period_days=90)
    assert len(rows) == 1
    row = rows[0]
    assert row.receivable == D("133700.00")
    assert row.sales == D("183700.00")
    assert row.dso == (D("133700.00") / D("183700.00") * 90).quantize(D("0.1"))
    by_team = selectors.dso(user=finance, as_of=AS_OF, group_by="team")
    assert by_team[0].label == book[0].org_unit.name


def test_plan_vs_actual_unbilled_and_summary(finance, book):
    contract, _first, _second = book
    [row] = selectors.plan_vs_actual(user=finance)
    assert row.planned == D("279000.00")
    assert row.billable == D("251100.00")
    assert row.billed == D("183700.00")
    assert row.collected == D("50000.00")
    assert row.receivable == D("133700.00")
    assert row.unbilled == D("67400.00")
    unbilled = selectors.unbilled(user=finance, as_of=AS_OF)
    assert unbilled["total"] == D("67400.00")
    summary = selectors.contract_summary(contract, as_of=AS_OF)
    assert summary.overdue == D("33700.00")
    assert summary.receivable == D("133700.00")
    assert selectors.billable_lines(user=finance, contract=contract).count() == 1


def test_closure_conditions_name_what_is_missing(finance, rep, book):
    contract, first, second = book
    reasons = closure.all_invoiced_unmet(contract)
    assert len(reasons) == 2  # PAC partly, retention not at all
    assert "not invoiced yet" in reasons[0]
    open_reasons = closure.receivables_unmet(contract)
    assert {first.number in r or second.number in r for r in open_reasons} == {True}
    services.dispute_open(actor=rep, invoice=second, reason="quality", amount="1000", description="x")
    assert len(closure.receivables_unmet(contract)) == 1


def test_contracts_closure_registry_has_the_cash_conditions(book):
    from openltc.contracts import closure as registry

    codes = [state.code for state in registry.evaluate(book[0])]
    assert "cash.invoiced" in codes
    assert "cash.collected" in codes


def test_integrity_checks_pass_and_catch_a_broken_row(book):
    assert list(integrity.check_billed_within_billable()) == []
    assert list(integrity.check_invoice_settlements()) == []
    assert list(integrity.check_receipt_allocations()) == []
    from openltc.cash.models import Receipt

    Receipt.objects.update(allocated_amount=D("1.00"))
    assert list(integrity.check_receipt_allocations())
