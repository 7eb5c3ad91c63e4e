"""Contract invariants for ``openltc check-integrity`` (read-only, a few queries each): no
contract past ATC or ATCC and no change past ATAC without its approved decision, and the
receivable plan (what is billable) never above the contract's total."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from openltc.contracts.choices import ChangeStatus, ContractStatus
from openltc.contracts.models import Contract, ContractChange, ReceivablePlanLine
from openltc.core.integrity import register
from openltc.decisions.selectors import approved_subject_ids

MONEY: Any = DecimalField(max_digits=18, decimal_places=2)

# A contract in one of these statuses has crossed the gate: ATC before countersign, ATCC before closing.
PAST_ATC = (
    ContractStatus.COUNTERSIGN,
    ContractStatus.SEAL,
    ContractStatus.SIGNED,
    ContractStatus.ARCHIVED,
    ContractStatus.EXECUTING,
    ContractStatus.CLOSED,
)
PAST_ATCC = (ContractStatus.CLOSED,)
PAST_ATAC = (ChangeStatus.SIGNED, ChangeStatus.ARCHIVED)


def check_contract_gates() -> Iterator[str]:
    for gate, statuses in (("ATC", PAST_ATC), ("ATCC", PAST_ATCC)):
        approved = approved_subject_ids(Contract, gate)
        rows = Contract.objects.filter(status__in=statuses).values_list("pk", "number", "status")
        for pk, number, status in rows:
            if str(pk) not in approved:
                yield f"contract {number}: {status} without an approved {gate} decision"


def check_change_gates() -> Iterator[str]:
    approved = approved_subject_ids(ContractChange, "ATAC")
    rows = ContractChange.objects.filter(status__in=PAST_ATAC).values_list(
        "pk", "contract__number", "sequence", "status"
    )
    for pk, number, sequence, status in rows:
        if str(pk) not in approved:
            yield f"contract {number} change {sequence}: {status} without an approved ATAC decision"


def check_billable_within_total() -> Iterator[str]:
    planned = (
        ReceivablePlanLine.objects.filter(contract=OuterRef("pk"))
        .values("contract")
        .annotate(t=Sum("planned_amount"))
        .values("t")[:1]
    )
    rows = (
        Contract.objects.annotate(
            billable=Coalesce(
                Subquery(planned, output_field=MONEY), Value(Decimal("0.00"), output_field=MONEY)
            )
        )
        .filter(billable__gt=F("total_gross"))
        .values_list("number", "billable", "total_gross")
    )
    for number, billable, total in rows:
        yield f"contract {number}: the receivable plan ({billable}) exceeds the contract total ({total})"


register("contracts.gates_passed", check_contract_gates)
register("contracts.change_gates_passed", check_change_gates)
register("contracts.billable_within_total", check_billable_within_total)
