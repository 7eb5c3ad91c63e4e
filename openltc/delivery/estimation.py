"""Estimation arithmetic (§11.2), pure functions: three-point/PERT, Wideband Delphi round
statistics, dependency cycles, and the finance figures (cost variance, cost of quality, earned
value). Decimals in, Decimals out; the normal approximation uses ``math.erf``."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

TWO = Decimal("0.01")


def q2(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(TWO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Pert:
    expected: Decimal
    sigma: Decimal
    variance: Decimal


def pert(optimistic: Decimal, most_likely: Decimal, pessimistic: Decimal) -> Pert:
    """E = (O + 4M + P) / 6, σ = (P − O) / 6 (beta approximation)."""
    expected = (optimistic + 4 * most_likely + pessimistic) / 6
    sigma = (pessimistic - optimistic) / 6
    return Pert(q2(expected), q2(sigma), (sigma * sigma).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def three_point_error(optimistic: Any, most_likely: Any, pessimistic: Any) -> str | None:
    """Which rule the three values break, or None (all three given, O ≤ M ≤ P, none negative)."""
    values = (optimistic, most_likely, pessimistic)
    if all(v is None for v in values):
        return None
    if any(v is None for v in values):
        return "incomplete"
    if min(values) < 0:
        return "negative"
    if not optimistic <= most_likely <= pessimistic:
        return "order"
    return None


@dataclass(frozen=True)
class PathTotal:
    expected: Decimal
    sigma: Decimal
    tasks: int


def path_total(estimates: Iterable[Pert]) -> PathTotal:
    """ΣE and √(Σσ²), assuming independent tasks."""
    items = list(estimates)
    expected = sum((e.expected for e in items), Decimal("0"))
    variance = sum((e.variance for e in items), Decimal("0"))
    return PathTotal(q2(expected), q2(math.sqrt(float(variance))), len(items))


def probability_within(total: PathTotal, days: Decimal | float) -> Decimal:
    """P(duration ≤ days) under the normal approximation, as a percentage with 1 decimal."""
    days_f = float(days)
    if total.sigma == 0:
        return Decimal("100.0") if days_f >= float(total.expected) else Decimal("0.0")
    z = (days_f - float(total.expected)) / float(total.sigma)
    p = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    return Decimal(str(round(p * 100, 1)))


def longest_path(durations: Mapping[Any, Decimal], depends_on: Mapping[Any, Sequence[Any]]) -> list[Any]:
    """The chain of tasks with the largest total expected duration (the critical path through the
    dependency graph; the graph is acyclic because the services refuse cycles)."""
    best: dict[Any, tuple[Decimal, list[Any]]] = {}

    def visit(node: Any) -> tuple[Decimal, list[Any]]:
        if node in best:
            return best[node]
        prior = [visit(p) for p in depends_on.get(node, ()) if p in durations]
        base = max(prior, key=lambda pair: pair[0], default=(Decimal("0"), []))
        best[node] = (base[0] + durations[node], [*base[1], node])
        return best[node]

    results = [visit(node) for node in durations]
    return max(results, key=lambda pair: pair[0], default=(Decimal("0"), []))[1]


def creates_cycle(edges: Mapping[Any, Iterable[Any]], node: Any, new_prerequisites: Iterable[Any]) -> bool:
    """Whether making ``node`` depend on ``new_prerequisites`` closes a loop: true when ``node``
    is reachable from any of them (or is one of them)."""
    stack = list(new_prerequisites)
    seen: set[Any] = set()
    while stack:
        current = stack.pop()
        if current == node:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(edges.get(current, ()))
    return False


@dataclass(frozen=True)
class RoundSummary:
    round: int
    count: int
    low: Decimal
    high: Decimal
    mean: Decimal
    median: Decimal
    spread_pct: Decimal  # (high − low) / mean, the moderator's measure of agreement


def delphi_round(round_no: int, values: Sequence[Decimal]) -> RoundSummary | None:
    if not values:
        return None
    low, high = min(values), max(values)
    mean = sum(values, Decimal("0")) / len(values)
    median = Decimal(str(statistics.median(values)))
    spread = (high - low) / mean * 100 if mean else Decimal("0")
    return RoundSummary(round_no, len(values), q2(low), q2(high), q2(mean), q2(median), q2(spread))


def converged(previous: RoundSummary | None, current: RoundSummary | None, threshold: Decimal) -> bool:
    """The spread is at most ``threshold`` % of the mean, or it stopped narrowing."""
    if current is None:
        return False
    if current.spread_pct <= threshold:
        return True
    return previous is not None and current.spread_pct >= previous.spread_pct


@dataclass(frozen=True)
class EarnedValue:
    bac: Decimal  # budget at completion: Σ planned value
    pv: Decimal  # planned value to date
    ev: Decimal  # earned value: Σ planned value × progress
    ac: Decimal  # actual cost (核算) to date
    spi: Decimal | None
    cpi: Decimal | None
    eac: Decimal | None  # estimate at completion = BAC / CPI


def earned_value(items: Iterable[Any], actual_cost: Decimal, today: Any) -> EarnedValue:
    """Items need planned_value, progress, planned_start, planned_finish. PV to date is linear
    between the planned start and finish."""
    bac = pv = ev = Decimal("0")
    for item in items:
        value = Decimal(item.planned_value)
        bac += value
        ev += value * Decimal(item.progress) / 100
        if today >= item.planned_finish:
            pv += value
        elif today > item.planned_start:
            span = (item.planned_finish - item.planned_start).days or 1
            pv += value * Decimal((today - item.planned_start).days) / Decimal(span)
    spi = q2(ev / pv) if pv else None
    cpi = q2(ev / actual_cost) if actual_cost else None
    eac = q2(bac / cpi) if cpi else None
    return EarnedValue(q2(bac), q2(pv), q2(ev), q2(actual_cost), spi, cpi, eac)
