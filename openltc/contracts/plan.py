"""The receivable plan: one line per payment milestone of the current version, and the stable
billing anchor (invoices point at the line, not at the milestone).

When the current version changes (rework before signature, an ATAC amendment after it) the plan
is updated in place: each line is re-pointed to the matching milestone of the new version and
takes its amount and due days; its trigger date is kept. Matching, in order: the same position
and kind; then the same kind, in position order; then the same position. New milestones get new
lines. A line left without a milestone is removed. Neither may touch what is already billed
(``billing.billed_amounts``): a billed line cannot be removed, and its amount cannot go below
the billed amount; the refusal names the milestone and the figures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from openltc.contracts import billing
from openltc.contracts.choices import TriggerEvent
from openltc.core.errors import DomainError

if TYPE_CHECKING:
    from openltc.contracts.models import Contract, ContractVersion, PaymentMilestone, ReceivablePlanLine

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PlanMatch:
    """What the plan becomes for a version: kept lines with their new milestone, new milestones
    without a line, and lines that lose their milestone."""

    kept: list[tuple[ReceivablePlanLine, PaymentMilestone]]
    added: list[PaymentMilestone]
    removed: list[ReceivablePlanLine]


def match(lines: list[ReceivablePlanLine], milestones: list[PaymentMilestone]) -> PlanMatch:
    """Pairs the plan lines with the milestones of the new version (see the module docstring)."""
    free_lines = sorted(lines, key=lambda line: line.milestone.position)
    free_milestones = sorted(milestones, key=lambda m: m.position)
    kept: list[tuple[ReceivablePlanLine, PaymentMilestone]] = []
    # A line already on one of these milestones stays on it.
    for line in list(free_lines):
        same = next((m for m in free_milestones if m.pk == line.milestone_id), None)
        if same is not None:
            kept.append((line, same))
            free_lines.remove(line)
            free_milestones.remove(same)
    rules = (
        lambda line, m: m.position == line.milestone.position and m.kind == line.milestone.kind,
        lambda line, m: m.kind == line.milestone.kind,
        lambda line, m: m.position == line.milestone.position,
    )
    for rule in rules:
        for line in list(free_lines):
            found = next((m for m in free_milestones if rule(line, m)), None)
            if found is not None:
                kept.append((line, found))
                free_lines.remove(line)
                free_milestones.remove(found)
    return PlanMatch(kept=kept, added=free_milestones, removed=free_lines)


def _label(milestone: PaymentMilestone) -> str:
    return f"{milestone.position}. {milestone}"


def conflicts(contract: Contract, version: ContractVersion) -> list[str]:
    """Why moving the plan to ``version`` would touch billed amounts; empty when it would not."""
    lines = list(contract.receivable_plan.select_related("milestone"))
    if not lines:
        return []
    billed = billing.billed_amounts([line.pk for line in lines])
    if not any(billed.values()):
        return []
    result = match(lines, list(version.milestones.order_by("position")))
    reasons = []
    for line in result.removed:
        amount = billed.get(line.pk) or ZERO
        if amount > 0:
            reasons.append(
                _(
                    "Milestone “%(milestone)s” has %(billed)s %(currency)s billed; the amendment cannot remove it."
                )
                % {"milestone": _label(line.milestone), "billed": amount, "currency": line.currency}
            )
    for line, milestone in result.kept:
        amount = billed.get(line.pk) or ZERO
        if amount > milestone.amount:
            reasons.append(
                _(
                    "Milestone “%(milestone)s” has %(billed)s %(currency)s billed; the amendment cannot bring it down to %(amount)s."
                )
                % {
                    "milestone": _label(line.milestone),
                    "billed": amount,
                    "currency": line.currency,
                    "amount": milestone.amount,
                }
            )
    return reasons


def sync(contract: Contract, version: ContractVersion, *, signature_date: datetime.date | None) -> None:
    """Moves the receivable plan to ``version`` in place (refused with the reasons when it would
    touch billed amounts). ``signature_date`` dates the signature-triggered milestones that have
    no trigger date yet."""
    from openltc.contracts.models import ReceivablePlanLine

    reasons = conflicts(contract, version)
    if reasons:
        raise DomainError(reasons[0], extra={"reasons": reasons})
    lines = list(contract.receivable_plan.select_related("milestone"))
    result = match(lines, list(version.milestones.order_by("position")))
    if result.removed:
        delete_lines(ReceivablePlanLine.objects.filter(pk__in=[line.pk for line in result.removed]))
    for line, milestone in result.kept:
        trigger_date = line.trigger_date
        if trigger_date is None and milestone.trigger_event == TriggerEvent.SIGNATURE:
            trigger_date = signature_date
        line.milestone = milestone
        line.planned_amount = milestone.amount
        line.currency = contract.currency
        line.trigger_date = trigger_date
        line.planned_due_date = _due(trigger_date, milestone)
        line.save(
            update_fields=[
                "milestone",
                "planned_amount",
                "currency",
                "trigger_date",
                "planned_due_date",
                "updated_at",
            ]
        )
    new_lines = []
    for milestone in result.added:
        trigger_date = signature_date if milestone.trigger_event == TriggerEvent.SIGNATURE else None
        new_lines.append(
            ReceivablePlanLine(
                contract=contract,
                milestone=milestone,
                planned_amount=milestone.amount,
                currency=contract.currency,
                trigger_date=trigger_date,
                planned_due_date=_due(trigger_date, milestone),
            )
        )
    ReceivablePlanLine.objects.bulk_create(new_lines)


def delete_lines(queryset: Any) -> None:
    """Deletes plan lines (or milestones, with their lines); a line an invoice points at
    (PROTECT, even when credited back to zero) is refused with a DomainError, never a 500."""
    from django.db.models import ProtectedError

    try:
        with transaction.atomic():
            queryset.delete()
    except ProtectedError:
        message = _("A receivable plan line that was invoiced cannot be removed.")
        raise DomainError(message, field_errors={"milestones": [message]}) from None


def _due(trigger_date: datetime.date | None, milestone: Any) -> datetime.date | None:
    return trigger_date + datetime.timedelta(days=milestone.due_days) if trigger_date else None
