"""Contract arithmetic, free of the database: line amounts, totals, milestone amounts, and the
payment-term risk. Money is Decimal, rounded half up to cents."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from openltc.contracts.choices import LATE_TRIGGERS, MilestoneKind, PaymentRisk

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")

# Share of the total due only after final acceptance or at the end of warranty, from which the
# payment terms count as medium or high risk. Override with OPENLTC_CONTRACT_PAYMENT_RISK.
DEFAULT_RISK_THRESHOLDS = {"medium": Decimal("0.20"), "high": Decimal("0.40")}


def money(value: Any) -> Decimal:
    """``value`` as Decimal rounded half up to cents."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"not a number: {value!r}") from None


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    tax: Decimal
    gross: Decimal


def line_amounts(quantity: Any, unit_price: Any, tax_rate: Any) -> LineAmounts:
    """Net = quantity × unit price; tax = net × rate; each rounded half up to cents."""
    net = money(to_decimal(quantity) * to_decimal(unit_price))
    tax = money(net * to_decimal(tax_rate) / HUNDRED)
    return LineAmounts(net, tax, net + tax)


def totals(lines: Iterable[Any]) -> LineAmounts:
    """Sum of the lines' computed amounts (objects with net_amount, tax_amount, gross_amount)."""
    net = tax = ZERO
    for line in lines:
        net += line.net_amount
        tax += line.tax_amount
    return LineAmounts(net, tax, net + tax)


@dataclass(frozen=True)
class MilestoneSplit:
    amounts: list[Decimal]
    difference: Decimal  # contract total minus the sum of the amounts; zero when they add up

    @property
    def adds_up(self) -> bool:
        return self.difference == ZERO


def split_milestones(
    items: Sequence[tuple[Decimal | None, Decimal | None]], total: Decimal
) -> MilestoneSplit:
    """The amount of each milestone given ``(percentage, fixed_amount)`` pairs.

    A percentage is of the total, rounded half up to cents. When the exact (unrounded) terms add
    up to the total, the last percentage milestone takes the rounding residue, so 3 × 33.3333…%
    still adds up; otherwise the difference is reported.
    """
    amounts: list[Decimal] = []
    exact = Decimal(0)
    last_pct = -1
    for index, (percentage, fixed) in enumerate(items):
        if percentage is not None:
            exact += total * to_decimal(percentage) / HUNDRED
            amounts.append(money(total * to_decimal(percentage) / HUNDRED))
            last_pct = index
        else:
            exact += to_decimal(fixed or 0)
            amounts.append(money(fixed or 0))
    residue = total - sum(amounts, ZERO)
    if residue and last_pct >= 0 and abs(money(exact) - total) == ZERO and abs(residue) <= CENT * len(items):
        amounts[last_pct] += residue
    return MilestoneSplit(amounts, money(total - sum(amounts, ZERO)))


def _thresholds() -> dict[str, Decimal]:
    configured = getattr(settings, "OPENLTC_CONTRACT_PAYMENT_RISK", None) or {}
    merged = dict(DEFAULT_RISK_THRESHOLDS)
    for key in ("medium", "high"):
        if key in configured:
            merged[key] = to_decimal(configured[key])
    return merged


def is_late(milestone: Any) -> bool:
    return milestone.trigger_event in LATE_TRIGGERS or milestone.kind in (
        MilestoneKind.FINAL_ACCEPTANCE,
        MilestoneKind.RETENTION,
    )


def share_due_late(milestones: Iterable[Any], total: Decimal) -> Decimal:
    """The share (0–1, 4 places) of the total due only at final acceptance or warranty end."""
    if not total:
        return Decimal("0.0000")
    late = sum((m.amount for m in milestones if is_late(m)), ZERO)
    return (late / total).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def payment_risk(milestones: Iterable[Any], total: Decimal) -> str:
    """Low / medium / high by the share due late, against the configured thresholds."""
    share = share_due_late(list(milestones), total)
    limits = _thresholds()
    if share >= limits["high"]:
        return str(PaymentRisk.HIGH)
    if share >= limits["medium"]:
        return str(PaymentRisk.MEDIUM)
    return str(PaymentRisk.LOW)
