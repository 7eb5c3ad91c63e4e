"""Cash services: invoices, credit notes, receipts, allocation, collections and write-offs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from openltc.cash import services
from openltc.cash.choices import DisputeStatus, InvoiceStatus, ReceiptStatus, WriteOffStatus
from openltc.cash.models import Allocation, CashPolicy, Invoice, IssuingEntity
from openltc.cash.tests.factories import plan_lines, signed_contract
from openltc.contracts import billing
from openltc.core.errors import DomainError, Forbidden, NotFound, TransitionRefused
from openltc.core.models import AuditEvent

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def entity(db):
    return IssuingEntity.objects.get_or_create(code="HQ", defaults={"name": "HQ entity"})[0]


@pytest.fixture
def contract(rep):
    return signed_contract(rep)


def issue(finance, contract, *amounts, entity=None):
    lines = plan_lines(contract)
    return services.invoice_issue(
        actor=finance,
        contract=contract,
        lines=[{"plan_line": lines[i].pk, "amount": a} for i, a in enumerate(amounts) if a is not None],
        issuing_entity=entity,
        issue_date=datetime.date(2026, 2, 1),
    )


# --- invoices --------------------------------------------------------------------------------------


def test_invoice_covers_several_lines_with_tax_and_gap_free_numbers(finance, contract, entity):
    invoice = issue(finance, contract, "83700.00", "100000.00", entity=entity)
    assert invoice.number == "INV-HQ-2026-00001"
    assert invoice.gross_amount == D("183700.00")
    assert invoice.net_amount + invoice.tax_amount == invoice.gross_amount
    assert invoice.tax_amount == D("21133.62")  # 13% included in each line
    assert invoice.lines.count() == 2
    assert invoice.due_date == datetime.date(2026, 2, 19)  # PAC line: trigger + 45 days
    assert invoice.status == InvoiceStatus.OPEN
    second = issue(finance, contract, None, "1000.00", entity=entity)
    assert second.number == "INV-HQ-2026-00002"
    assert AuditEvent.objects.filter(action="cash.invoice_issued").count() == 2


def test_billed_provider_is_registered_with_contracts(finance, contract, entity):
    invoice = issue(finance, contract, "83700.00", entity=entity)
    line = invoice.lines.get()
    assert billing.billed_amounts([line.plan_line_id]) == {line.plan_line_id: D("83700.00")}


def test_invoice_refuses_more_than_billable_and_changes_nothing(finance, contract, entity):
    issue(finance, contract, "80000.00", entity=entity)
    with pytest.raises(DomainError, match="exceeds what is left to bill"):
        issue(finance, contract, "3700.01", entity=entity)
    lines = plan_lines(contract)
    with pytest.raises(DomainError, match="is not billable yet"):
        services.invoice_issue(
            actor=finance, contract=contract, lines=[{"plan_line": lines[2].pk, "amount": "1"}]
        )
    assert Invoice.objects.count() == 1
    # the failed attempts gave their numbers back
    assert issue(finance, contract, "3700.00", entity=entity).number == "INV-HQ-2026-00002"


def test_invoice_refused_for_unsigned_contract_and_for_reps(rep, finance, entity):
    contract = signed_contract(rep)
    with pytest.raises(Forbidden, match="Only finance may issue invoices."):
        issue(rep, contract, "100.00")
    from openltc.contracts.models import Contract

    Contract.objects.filter(pk=contract.pk).update(status="draft")
    contract.refresh_from_db()
    with pytest.raises(TransitionRefused, match="once the contract is signed"):
        issue(finance, contract, "100.00")


def test_other_region_gets_not_found(other_rep, contract, entity):
    with pytest.raises(NotFound):
        issue(other_rep, contract, "100.00")


def test_bad_plan_line_ids_are_refused(finance, contract, entity):
    with pytest.raises(DomainError, match="Choose billable milestones"):
        services.invoice_issue(actor=finance, contract=contract, lines=[{"plan_line": "nope", "amount": "1"}])
    line = plan_lines(contract)[0]
    with pytest.raises(DomainError, match="only once"):
        services.invoice_issue(
            actor=finance, contract=contract, lines=[{"plan_line": line.pk}, {"plan_line": str(line.pk)}]
        )


def test_credit_note_reduces_billed_and_open(finance, contract, entity):
    invoice = issue(finance, contract, "83700.00", entity=entity)
    note = services.credit_note_issue(actor=finance, invoice=invoice, amount="3700.00", reason="Price error")
    assert note.number == "CN-HQ-2026-00001"
    invoice.refresh_from_db()
    assert invoice.credited_amount == D("3700.00")
    assert invoice.open_amount == D("80000.00")
    line = plan_lines(contract)[0]
    assert services.billed_amounts([line.pk]) == {line.pk: D("80000.00")}
    # what was credited may be billed again
    issue(finance, contract, "3700.00", entity=entity)
    with pytest.raises(DomainError, match="exceeds what is still open"):
        services.credit_note_issue(actor=finance, invoice=invoice, amount="80000.01", reason="x")
    with pytest.raises(DomainError, match="Give the reason"):
        services.credit_note_issue(actor=finance, invoice=invoice, amount="1", reason=" ")


# --- receipts -------------------------------------------------------------------------------------


def receipt(finance, contract, amount, **extra):
    return services.receipt_record(
        actor=finance,
        customer=contract.customer,
        amount=amount,
        currency="CNY",
        received_on=datetime.date(2026, 2, 10),
        payer="Acme",
        bank_reference="B-1",
        **extra,
    )


def test_receipt_allocated_to_several_invoices_partially_with_unapplied_credit(finance, contract, entity):
    a = issue(finance, contract, "83700.00", entity=entity)
    b = issue(finance, contract, None, "100000.00", entity=entity)
    money = receipt(finance, contract, "200000.00")
    assert money.number.startswith("RC-2026-")
    services.receipt_allocate(
        actor=finance,
        receipt=money,
        allocations=[{"invoice": a.pk, "amount": "83700.00"}, {"invoice": b.pk, "amount": "50000.00"}],
    )
    money.refresh_from_db()
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == InvoiceStatus.SETTLED
    assert b.open_amount == D("50000.00")
    assert b.status == InvoiceStatus.OPEN
    assert money.unapplied_amount == D("66300.00")
    with pytest.raises(DomainError, match="exceeds what is open"):
        services.receipt_allocate(
            actor=finance, receipt=money, allocations=[{"invoice": b.pk, "amount": "50000.01"}]
        )
    with pytest.raises(DomainError, match="exceed what is unapplied"):
        services.receipt_allocate(
            actor=finance, receipt=money, allocations=[{"invoice": b.pk, "amount": "70000"}]
        )
    assert Allocation.objects.count() == 2


def test_receipt_reversal_undoes_allocations(finance, contract, entity):
    a = issue(finance, contract, "83700.00", entity=entity)
    money = receipt(finance, contract, "50000.00")
    services.receipt_allocate(
        actor=finance, receipt=money, allocations=[{"invoice": a.pk, "amount": "50000"}]
    )
    with pytest.raises(TransitionRefused, match="Give the reason"):
        services.receipt_reverse(actor=finance, receipt=money, reason="")
    services.receipt_reverse(actor=finance, receipt=money, reason="Bounced")
    money.refresh_from_db()
    a.refresh_from_db()
    assert money.status == ReceiptStatus.REVERSED
    assert money.allocated_amount == 0
    assert a.allocated_amount == 0
    assert a.status == InvoiceStatus.OPEN
    with pytest.raises(TransitionRefused, match="already reversed"):
        services.receipt_reverse(actor=finance, receipt=money, reason="again")
    with pytest.raises(DomainError, match="reversed receipt"):
        services.receipt_allocate(
            actor=finance, receipt=money, allocations=[{"invoice": a.pk, "amount": "1"}]
        )


def test_receipt_refuses_other_customer_and_currency(finance, rep, contract, entity):
    a = issue(finance, contract, "1000.00", entity=entity)
    other = signed_contract(rep)
    money = receipt(finance, other, "500")
    with pytest.raises(DomainError, match="another customer"):
        services.receipt_allocate(
            actor=finance, receipt=money, allocations=[{"invoice": a.pk, "amount": "1"}]
        )
    with pytest.raises(Forbidden, match="Only finance may record receipts."):
        receipt(rep, contract, "1")
    with pytest.raises(DomainError, match="greater than zero"):
        receipt(finance, contract, "0")


# --- collections ----------------------------------------------------------------------------------


def test_collection_log_and_dispute_by_the_ar(rep, finance, contract, entity):
    invoice = issue(finance, contract, "83700.00", entity=entity)
    action = services.collection_action_log(
        actor=rep, invoice=invoice, level=2, channel="call", note="Promised by March"
    )
    assert action.contract == contract
    dispute = services.dispute_open(
        actor=rep, invoice=invoice, reason="quality", amount="10000", description="Faulty card"
    )
    assert dispute.owner == rep
    assert dispute.status == DisputeStatus.OPEN
    with pytest.raises(TransitionRefused, match="Say how"):
        services.dispute_close(actor=rep, dispute=dispute, resolution="")
    services.dispute_close(actor=rep, dispute=dispute, resolution="Card replaced")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.RESOLVED


def test_write_off_needs_a_different_finance_approver_and_the_limit(
    rep, finance, executive, admin_user, contract, entity
):
    invoice = issue(finance, contract, "83700.00", entity=entity)
    request = services.write_off_request(
        actor=finance, invoice=invoice, amount="700.00", reason="Customer insolvent"
    )
    with pytest.raises(TransitionRefused, match="another finance approver"):
        services.write_off_decide(actor=finance, write_off=request, approve=True)
    with pytest.raises(Forbidden, match="Only a finance approver"):
        services.write_off_decide(actor=rep, write_off=request, approve=True)
    services.write_off_decide(actor=admin_user, write_off=request, approve=True, note="ok")
    request.refresh_from_db()
    invoice.refresh_from_db()
    assert request.status == WriteOffStatus.APPROVED
    assert invoice.written_off_amount == D("700.00")
    assert AuditEvent.objects.filter(action="cash.write_off_approved").exists()
    # above the limit only an executive approves
    CashPolicy.objects.update(write_off_limit=D("100.00"))
    big = services.write_off_request(actor=rep, invoice=invoice, amount="500", reason="Insolvent")
    with pytest.raises(Forbidden, match="an executive must approve it"):
        services.write_off_decide(actor=finance, write_off=big, approve=True)
    with pytest.raises(DomainError, match="reason for the rejection"):
        services.write_off_decide(actor=finance, write_off=big, approve=False)
    services.write_off_decide(actor=finance, write_off=big, approve=False, note="Keep chasing")
    big.refresh_from_db()
    assert big.status == WriteOffStatus.REJECTED


def test_write_off_cannot_exceed_open(rep, finance, contract, entity):
    invoice = issue(finance, contract, "1000.00", entity=entity)
    services.write_off_request(actor=rep, invoice=invoice, amount="600", reason="x")
    with pytest.raises(DomainError, match="not already requested"):
        services.write_off_request(actor=rep, invoice=invoice, amount="400.01", reason="x")


def test_overdue_alerts_go_once_per_period(
    rep, finance, contract, entity, django_capture_on_commit_callbacks
):
    invoice = issue(finance, contract, "1000.00", entity=entity)
    today = invoice.due_date + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.overdue_alerts_send(today=today) == 1
    assert callbacks
    assert services.overdue_alerts_send(today=today + datetime.timedelta(days=1)) == 0
    assert services.overdue_alerts_send(today=today + datetime.timedelta(days=8)) == 1
