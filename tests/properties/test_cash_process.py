"""Process properties of the money (issue 7, item 4).

Hypothesis drives random sequences of cash service calls by random actors on an executing
contract — trigger a milestone, invoice any plan lines for any amounts, credit notes, receipts,
allocations to any invoices, reversals, disputes, write-off requests and decisions — and after
every step checks, from the stored rows alone (its own sums, not the services' counters):

- billed ≤ billable ≤ contract total, per plan line and per contract;
- an invoice's allocations + credits + write-offs never exceed its total, and its stored
  counters equal the sums of its rows;
- a receipt's live allocations never exceed its amount; a reversed receipt keeps none;
- every successful call left at least one audit event.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Q, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conftest import make_user
from openltc.cash import services as cash
from openltc.cash.models import Allocation, Invoice, InvoiceLine, IssuingEntity, Receipt, WriteOff
from openltc.cash.tests.factories import plan_lines, signed_contract
from openltc.contracts import services as contracts
from openltc.contracts.models import ReceivablePlanLine
from openltc.core.errors import DomainError
from openltc.core.models import AuditEvent
from openltc.org.roles import Role

pytestmark = [pytest.mark.django_db]

ZERO = Decimal("0.00")
AMOUNTS = st.sampled_from(
    ["0.01", "100.00", "1000.00", "27900.00", "83700.00", "99999.99", "300000.00", "-5"]
)
DAY = datetime.date(2026, 3, 1)


def total(qs: Any, field: str = "amount") -> Decimal:
    return qs.aggregate(s=Sum(field))["s"] or ZERO


class CashProcess(RuleBasedStateMachine):
    people: dict[str, Any]
    contract: Any

    def __init__(self) -> None:
        super().__init__()
        self.invoices: list[Any] = []
        self.receipts: list[Any] = []
        self.successes = 0
        self.audit_start = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def _try(self, call: Any) -> Any:
        try:
            with transaction.atomic():
                result = call()
        except DomainError:
            return None
        self.successes += 1
        return result

    def person(self, data: st.DataObject) -> Any:
        return self.people[data.draw(st.sampled_from(sorted(self.people)))]

    @rule(data=st.data())
    def trigger_a_milestone(self, data: st.DataObject) -> None:
        line = data.draw(st.sampled_from(plan_lines(self.contract)))
        actor = self.person(data)
        self._try(
            lambda: contracts.receivable_trigger_record(
                actor=actor, contract=self.contract, plan_line_id=line.pk, trigger_date=DAY
            )
        )

    @rule(data=st.data(), amounts=st.lists(AMOUNTS, min_size=1, max_size=3))
    def invoice(self, data: st.DataObject, amounts: list[str]) -> None:
        lines = plan_lines(self.contract)
        chosen = data.draw(st.lists(st.sampled_from(lines), min_size=1, max_size=3, unique_by=lambda p: p.pk))
        actor = self.person(data)
        invoice = self._try(
            lambda: cash.invoice_issue(
                actor=actor,
                contract=self.contract,
                lines=[{"plan_line": p.pk, "amount": a} for p, a in zip(chosen, amounts, strict=False)],
                issuing_entity=self.entity,
                issue_date=DAY,
            )
        )
        if invoice is not None:
            self.invoices.append(invoice.pk)

    @precondition(lambda self: self.invoices)
    @rule(data=st.data(), amount=AMOUNTS)
    def credit(self, data: st.DataObject, amount: str) -> None:
        invoice = Invoice.objects.get(pk=data.draw(st.sampled_from(self.invoices)))
        actor = self.person(data)
        self._try(
            lambda: cash.credit_note_issue(actor=actor, invoice=invoice, amount=amount, reason="correction")
        )

    @rule(data=st.data(), amount=AMOUNTS)
    def receive(self, data: st.DataObject, amount: str) -> None:
        actor = self.person(data)
        receipt = self._try(
            lambda: cash.receipt_record(
                actor=actor,
                customer=self.contract.customer,
                amount=amount,
                currency=self.contract.currency,
                received_on=DAY,
                payer="客户 payer",
            )
        )
        if receipt is not None:
            self.receipts.append(receipt.pk)

    @precondition(lambda self: self.receipts and self.invoices)
    @rule(data=st.data(), amounts=st.lists(AMOUNTS, min_size=1, max_size=2))
    def allocate(self, data: st.DataObject, amounts: list[str]) -> None:
        receipt = Receipt.objects.get(pk=data.draw(st.sampled_from(self.receipts)))
        invoices = data.draw(st.lists(st.sampled_from(self.invoices), min_size=1, max_size=2, unique=True))
        actor = self.person(data)
        self._try(
            lambda: cash.receipt_allocate(
                actor=actor,
                receipt=receipt,
                allocations=[{"invoice": i, "amount": a} for i, a in zip(invoices, amounts, strict=False)],
                allocated_on=DAY,
            )
        )

    @precondition(lambda self: self.receipts)
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        receipt = Receipt.objects.get(pk=data.draw(st.sampled_from(self.receipts)))
        actor = self.person(data)
        self._try(lambda: cash.receipt_reverse(actor=actor, receipt=receipt, reason="bank returned it"))

    @precondition(lambda self: self.invoices)
    @rule(data=st.data(), amount=AMOUNTS, approve=st.booleans())
    def write_off(self, data: st.DataObject, amount: str, approve: bool) -> None:
        invoice = Invoice.objects.get(pk=data.draw(st.sampled_from(self.invoices)))
        requester, approver = self.person(data), self.person(data)
        request = self._try(
            lambda: cash.write_off_request(
                actor=requester, invoice=invoice, amount=amount, reason="insolvent"
            )
        )
        if request is not None:
            self._try(
                lambda: cash.write_off_decide(actor=approver, write_off=request, approve=approve, note="n")
            )

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def billed_within_billable_within_total(self) -> None:
        lines = ReceivablePlanLine.objects.filter(contract=self.contract)
        assert total(lines, "planned_amount") == self.contract.current_version.total_gross
        for line in lines:
            rows = InvoiceLine.objects.filter(plan_line=line)
            billed = total(rows.filter(invoice__kind="invoice"), "gross_amount") - total(
                rows.filter(invoice__kind="credit_note"), "gross_amount"
            )
            billable = line.planned_amount if line.trigger_date else ZERO
            assert ZERO <= billed <= billable, f"{line}: billed {billed}, billable {billable}"

    @invariant()
    def invoices_never_settled_beyond_their_total(self) -> None:
        for invoice in Invoice.objects.filter(contract=self.contract, kind="invoice"):
            live = total(Allocation.objects.filter(invoice=invoice, reversed_at__isnull=True))
            credited = total(Invoice.objects.filter(corrects=invoice, kind="credit_note"), "gross_amount")
            written_off = total(WriteOff.objects.filter(invoice=invoice, status="approved"))
            assert invoice.allocated_amount == live
            assert invoice.credited_amount == credited
            assert invoice.written_off_amount == written_off
            assert live + credited + written_off <= invoice.gross_amount

    @invariant()
    def receipts_never_over_allocated(self) -> None:
        for receipt in Receipt.objects.filter(pk__in=self.receipts):
            live = total(Allocation.objects.filter(receipt=receipt, reversed_at__isnull=True))
            assert receipt.allocated_amount == live
            assert ZERO <= live <= receipt.amount
            if receipt.reversed_at is not None:
                assert live == ZERO

    @invariant()
    def every_change_is_audited(self) -> None:
        audited = AuditEvent.objects.filter(
            Q(action__startswith="cash.") | Q(action__startswith="contract."), pk__gt=self.audit_start
        ).count()
        assert audited >= self.successes


def test_cash_process_properties(org: Any, rep: Any, other_rep: Any, manager: Any, finance: Any) -> None:
    people = {
        "rep": rep,
        "other_rep": other_rep,
        "manager": manager,
        "finance": finance,
        "finance2": make_user("fin2.prop", (Role.FINANCE, org.hq, None), home=org.hq),
        "cm": make_user("cm.prop", (Role.CONTRACT_MANAGER, org.sh, None), home=org.sh),
    }
    entity = IssuingEntity.objects.get_or_create(code="HQ", defaults={"name": "HQ entity"})[0]
    steps: list[int] = []

    class Machine(CashProcess):
        def __init__(self) -> None:
            self.people = people
            self.entity = entity
            self.contract = signed_contract(rep, trigger=1)
            super().__init__()

        def teardown(self) -> None:
            steps.append(self.successes)

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # Enough calls succeeded for the invariants to bite.
    print(f"successful money operations: {sum(steps)}")  # noqa: T201
    assert sum(steps) > 20
