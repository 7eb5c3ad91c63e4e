"""What the cash app has billed against the contract's receivable plan.

The receivable plan line (``ReceivablePlanLine``) is the billing anchor: invoices point at it,
and it survives contract amendments (ATAC) — the amendment re-points it to the new version's
milestone and changes its amount, but may not bring the amount below what is already billed,
nor remove a billed line. Contracts must not import the cash app, so cash registers a provider
here in its ``AppConfig.ready()``; with no provider, nothing is billed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

# Maps plan-line ids to the net amount billed on each (invoices minus credit notes).
BilledProvider = Callable[[Iterable[Any]], dict[Any, Decimal]]

_provider: BilledProvider | None = None


def register_billed_provider(provider: BilledProvider) -> None:
    global _provider
    _provider = provider


def billed_amounts(plan_line_ids: Iterable[Any]) -> dict[Any, Decimal]:
    """Net billed per plan line id; lines with nothing billed may be missing from the answer."""
    ids = list(plan_line_ids)
    if _provider is None or not ids:
        return {}
    return _provider(ids)
