"""What must be true before a contract may be closed through ATCC (§12.3).

Each app that owns part of the answer registers a condition in its ``AppConfig.ready()``:
delivery (every deliverable accepted, risks closed, final accounts and summary done), cash
(every invoice issued, receivables collected or formally handed to dispute/write-off). The
ATCC gate and the contract page ask ``unmet_conditions`` and show its reasons; the contracts
app does not need to know the other apps' models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from openltc.contracts.models import Contract

# A check returns the reasons the condition is unmet for this contract; an empty list means met.
ClosureCheck = Callable[["Contract"], list[str]]


@dataclass(frozen=True)
class ClosureCondition:
    code: str
    label: Promise | str
    check: ClosureCheck
    order: int = 100


@dataclass(frozen=True)
class ConditionState:
    code: str
    label: Promise | str
    reasons: tuple[str, ...]

    @property
    def met(self) -> bool:
        return not self.reasons


_REGISTRY: dict[str, ClosureCondition] = {}


def register(code: str, label: Promise | str, check: ClosureCheck, *, order: int = 100) -> None:
    """Adds (or replaces, on autoreload) the condition ``code``."""
    _REGISTRY[code] = ClosureCondition(code=code, label=label, check=check, order=order)


def conditions() -> list[ClosureCondition]:
    return sorted(_REGISTRY.values(), key=lambda c: (c.order, c.code))


def evaluate(contract: Contract) -> list[ConditionState]:
    """Every registered condition with its unmet reasons, in display order."""
    return [
        ConditionState(code=c.code, label=c.label, reasons=tuple(str(r) for r in c.check(contract)))
        for c in conditions()
    ]


def unmet_conditions(contract: Contract) -> list[ConditionState]:
    return [state for state in evaluate(contract) if not state.met]
