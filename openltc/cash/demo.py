"""Demo cash data, built through the cash services on the contracts the contracts demo took to
execution: invoices on billable milestones (one backdated and now overdue), a receipt that
settles an invoice, a partial payment, an unapplied overpayment, collection actions with a
dunning level and an open dispute. Idempotent: nothing is built when invoices exist.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from openltc.cash import services
from openltc.cash.models import Invoice
from openltc.core.errors import DomainError


def _note(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _user(username: str) -> Any:
    from openltc.org.models import User

    return User.objects.filter(username=username, is_active=True).first()


@transaction.atomic
def build(*, stdout: Any = None) -> None:
    from openltc.contracts import services as contract_services
    from openltc.contracts.models import Contract, ReceivablePlanLine

    if Invoice.objects.exists():
        return
    finance = _user("finance") or _user("admin")
    if finance is None:
        _note(stdout, "demo: cash skipped (no finance user)")
        return
    contracts = list(
        Contract.objects.filter(status__in=["executing", "archived", "signed"])
        .select_related("owner", "customer")
        .order_by("number")
    )
    if not contracts:
        _note(stdout, "demo: cash skipped (no signed contract)")
        return
    today = timezone.localdate()
    made = 0
    for index, contract in enumerate(contracts[:2]):
        lines = list(ReceivablePlanLine.objects.filter(contract=contract).order_by("milestone__position"))
        if len(lines) < 2:
            continue
        try:
            with transaction.atomic():
                # the second milestone's event happened 75 days ago
                if lines[1].trigger_date is None:
                    contract_services.receivable_trigger_record(
                        actor=contract.owner,
                        contract=contract,
                        plan_line_id=lines[1].pk,
                        trigger_date=today - datetime.timedelta(days=75),
                    )
                if lines[0].trigger_date is None:
                    contract_services.receivable_trigger_record(
                        actor=contract.owner, contract=contract, plan_line_id=lines[0].pk, trigger_date=today
                    )
                contract.refresh_from_db()
                advance = services.invoice_issue(
                    actor=finance, contract=contract, lines=[{"plan_line": lines[0].pk}], issue_date=today
                )
                overdue = services.invoice_issue(
                    actor=finance,
                    contract=contract,
                    lines=[{"plan_line": lines[1].pk}],
                    issue_date=today - datetime.timedelta(days=70),
                    due_date=today - datetime.timedelta(days=40 + 30 * index),
                )
                settle = services.receipt_record(
                    actor=finance,
                    customer=contract.customer,
                    contract=contract,
                    amount=advance.gross_amount,
                    currency=contract.currency,
                    received_on=today,
                    payer=contract.customer.name,
                    bank_reference=f"BANK-{contract.number}-1",
                )
                services.receipt_allocate(
                    actor=finance,
                    receipt=settle,
                    allocations=[{"invoice": advance.pk, "amount": advance.gross_amount}],
                )
                partial = (overdue.gross_amount * 4 / 10).quantize(overdue.gross_amount)
                part = services.receipt_record(
                    actor=finance,
                    customer=contract.customer,
                    contract=contract,
                    amount=partial + 5000,
                    currency=contract.currency,
                    received_on=today - datetime.timedelta(days=20),
                    payer=contract.customer.name,
                    bank_reference=f"BANK-{contract.number}-2",
                )
                # a partial payment; 5000 stays on the receipt as unapplied credit
                services.receipt_allocate(
                    actor=finance,
                    receipt=part,
                    allocations=[{"invoice": overdue.pk, "amount": partial}],
                    allocated_on=today - datetime.timedelta(days=20),
                )
                services.collection_action_log(
                    actor=contract.owner,
                    invoice=overdue,
                    level=2,
                    channel="call",
                    note="客户承诺月底前付清余款 Customer promised the balance by month end.",
                    occurred_on=today - datetime.timedelta(days=10),
                    next_step_on=today + datetime.timedelta(days=5),
                )
                if index == 0:
                    services.dispute_open(
                        actor=contract.owner,
                        invoice=overdue,
                        reason="quality",
                        amount=overdue.open_amount - (overdue.open_amount / 2).quantize(overdue.gross_amount),
                        description="客户反映部分板卡故障 Customer reports faulty line cards.",
                    )
                    services.write_off_request(
                        actor=contract.owner,
                        invoice=overdue,
                        amount=1000,
                        reason="双方确认的尾差核销 Rounding difference agreed with the customer.",
                    )
                made += 1
        except DomainError as exc:
            _note(stdout, f"demo: no cash data for {contract.number} ({exc.message})")
    _note(stdout, f"demo: cash data on {made} contract(s)")
