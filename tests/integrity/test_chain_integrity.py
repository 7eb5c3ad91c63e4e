"""``openltc check-integrity`` covers the chain's invariants (issue 7, item 10): on the demo data
set every check passes; each planted violation — a contract past ATC or ATCC, a change past ATAC
without its approved decision, a receivable plan above the contract total, billed above billable,
allocations beyond a receipt or an invoice, an opportunity past a gate without its decision — is
reported by its check and makes the command exit non-zero."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openltc.core import integrity
from tests.fuzz.generated import demo_fixture

pytestmark = pytest.mark.django_db

CHAIN_CHECKS = {
    "opportunities.gates_passed",
    "contracts.gates_passed",
    "contracts.change_gates_passed",
    "contracts.billable_within_total",
    "cash.billed_within_billable",
    "cash.invoice_settlements",
    "cash.receipt_allocations",
    "delivery.accepted_milestones_billable",
    "delivery.projects_deliver_signed_contracts",
}


# The demo data set, built once for the module and rolled back at the end; each test runs in a
# savepoint inside it (pytest-django's ``db``), so the planted violations never meet.
demo_data = demo_fixture()


@pytest.fixture
def demo(demo_data, db):
    return None


def _violations(name: str) -> list[str]:
    return [v.message for v in integrity.run_checks([name])]


def test_the_chain_checks_are_registered():
    integrity.autodiscover()
    assert set(integrity.registered()) >= CHAIN_CHECKS


def test_demo_data_passes_every_check(demo):
    assert integrity.run_checks() == []
    out = io.StringIO()
    call_command("check_integrity", stdout=out)
    assert "Integrity OK" in out.getvalue()


def _assert_reported(name: str, fragment: str) -> None:
    found = _violations(name)
    assert any(fragment in v for v in found), found
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("check_integrity", stdout=io.StringIO(), stderr=err)
    assert excinfo.value.returncode == 1
    assert f"[{name}]" in err.getvalue()


def test_contract_past_atc_without_its_decision_is_reported(demo):
    from openltc.contracts.models import Contract

    contract = Contract.objects.filter(status="draft").first()
    Contract.objects.filter(pk=contract.pk).update(status="countersign")
    _assert_reported(
        "contracts.gates_passed", f"contract {contract.number}: countersign without an approved ATC"
    )


def test_contract_closed_without_atcc_is_reported(demo):
    from openltc.contracts.models import Contract

    contract = Contract.objects.filter(status="executing").first()
    Contract.objects.filter(pk=contract.pk).update(status="closed")
    _assert_reported("contracts.gates_passed", f"contract {contract.number}: closed without an approved ATCC")


def test_change_signed_without_atac_is_reported(demo):
    from openltc.contracts.models import ContractChange
    from openltc.decisions.models import DecisionCase

    change = ContractChange.objects.filter(status__in=["signed", "archived"]).first()
    assert change is not None, "the demo data has an amended contract"
    DecisionCase.objects.filter(subject_id=str(change.pk), gate="ATAC").update(subject_id="gone")
    _assert_reported("contracts.change_gates_passed", f"change {change.sequence}: {change.status} without")


def test_receivable_plan_above_the_contract_total_is_reported(demo):
    from openltc.contracts.models import Contract, ReceivablePlanLine

    line = ReceivablePlanLine.objects.select_related("contract").first()
    Contract.objects.filter(pk=line.contract_id).update(total_gross=Decimal("0.01"))
    _assert_reported(
        "contracts.billable_within_total", f"contract {line.contract.number}: the receivable plan"
    )


def test_billed_above_billable_is_reported(demo):
    from openltc.cash.models import InvoiceLine
    from openltc.contracts.models import ReceivablePlanLine

    line = InvoiceLine.objects.exclude(plan_line=None).first()
    ReceivablePlanLine.objects.filter(pk=line.plan_line_id).update(planned_amount=Decimal("0.01"))
    _assert_reported("cash.billed_within_billable", "is not within billable")


def test_allocation_beyond_its_receipt_and_invoice_is_reported(demo):
    from openltc.cash.models import Allocation

    allocation = Allocation.objects.filter(reversed_at=None).select_related("receipt", "invoice").first()
    Allocation.objects.filter(pk=allocation.pk).update(amount=allocation.amount + Decimal("1000000000"))
    _assert_reported("cash.receipt_allocations", f"receipt {allocation.receipt.number}")
    _assert_reported("cash.invoice_settlements", f"invoice {allocation.invoice.number}")


def test_opportunity_past_a_gate_without_its_decision_is_reported(demo):
    from openltc.decisions.models import DecisionCase
    from openltc.opportunities.models import Opportunity

    won = Opportunity.objects.filter(stage="won").first()
    DecisionCase.objects.filter(subject_id=str(won.pk), gate="ATB").update(subject_id="gone")
    _assert_reported("opportunities.gates_passed", f"opportunity {won.number}: won without an approved ATB")


def test_accepted_milestone_whose_payment_milestone_is_not_billable_is_reported(demo):
    from openltc.contracts.models import ReceivablePlanLine
    from openltc.delivery.models import Acceptance

    acceptance = Acceptance.objects.filter(item__plan_line__isnull=False).select_related("item").first()
    ReceivablePlanLine.objects.filter(pk=acceptance.item.plan_line_id).update(
        trigger_date=None, planned_due_date=None
    )
    _assert_reported("delivery.accepted_milestones_billable", "has no trigger date")


def test_delivery_project_of_an_unsigned_contract_is_reported(demo):
    from openltc.contracts.models import Contract
    from openltc.delivery.models import DeliveryProject

    project = DeliveryProject.objects.select_related("contract").first()
    Contract.objects.filter(pk=project.contract_id).update(status="draft")
    _assert_reported(
        "delivery.projects_deliver_signed_contracts", f"its contract {project.contract.number} is draft"
    )
