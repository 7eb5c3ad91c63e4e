"""Two clerks allocating at once never over-allocate a receipt or an invoice (PostgreSQL: the
row locks are real there; SQLite serialises writers anyway)."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from openltc.cash import services
from openltc.cash.models import Invoice, IssuingEntity, Receipt
from openltc.cash.tests.factories import plan_lines, signed_contract
from openltc.core.errors import DomainError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except DomainError as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.fixture
def setup(rep, finance):
    IssuingEntity.objects.get_or_create(code="HQ", defaults={"name": "HQ"})
    contract = signed_contract(rep)
    lines = plan_lines(contract)
    invoice = services.invoice_issue(
        actor=finance, contract=contract, lines=[{"plan_line": lines[0].pk, "amount": "1000"}]
    )

    def receipt():
        return services.receipt_record(
            actor=finance,
            customer=contract.customer,
            amount="800",
            currency="CNY",
            received_on=datetime.date(2026, 2, 1),
            payer="Acme",
        )

    return contract, invoice, receipt(), receipt()


def test_two_receipts_racing_for_one_invoice(finance, setup):
    _contract, invoice, first, second = setup
    results = _race(
        [
            lambda: services.receipt_allocate(
                actor=finance, receipt=first, allocations=[{"invoice": invoice.pk, "amount": "800"}]
            ),
            lambda: services.receipt_allocate(
                actor=finance, receipt=second, allocations=[{"invoice": invoice.pk, "amount": "800"}]
            ),
        ]
    )
    assert sum(isinstance(r, DomainError) for r in results) == 1
    invoice.refresh_from_db()
    assert invoice.allocated_amount == Decimal("800.00")


def test_one_receipt_racing_for_two_invoices(finance, rep, setup):
    contract, invoice, first, _second = setup
    other = services.invoice_issue(
        actor=finance, contract=contract, lines=[{"plan_line": plan_lines(contract)[1].pk, "amount": "1000"}]
    )
    results = _race(
        [
            lambda: services.receipt_allocate(
                actor=finance, receipt=first, allocations=[{"invoice": invoice.pk, "amount": "500"}]
            ),
            lambda: services.receipt_allocate(
                actor=finance, receipt=first, allocations=[{"invoice": other.pk, "amount": "500"}]
            ),
        ]
    )
    assert sum(isinstance(r, DomainError) for r in results) == 1
    first.refresh_from_db()
    assert first.allocated_amount == Decimal("500.00")
    assert sum(Invoice.objects.values_list("allocated_amount", flat=True)) == Decimal("500.00")


def test_two_clerks_billing_the_same_milestone(finance, rep):
    IssuingEntity.objects.get_or_create(code="HQ", defaults={"name": "HQ"})
    contract = signed_contract(rep)
    line = plan_lines(contract)[0]  # 83700.00 billable

    def bill():
        return services.invoice_issue(
            actor=finance, contract=contract, lines=[{"plan_line": line.pk, "amount": "50000"}]
        )

    results = _race([bill, bill])
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert Invoice.objects.count() == 1
    assert Receipt.objects.count() == 0
