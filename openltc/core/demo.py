"""Demo data: each app contributes a builder; `openltc demo` runs them in order.

Builders are deterministic (seeded) and idempotent: each one checks whether its data is already
there and does nothing on a second run. ``scale(n)`` builders add bulk data fast (bulk inserts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEMO_PASSWORD = "openltc-demo-2026"  # noqa: S105 — published demo logins, printed by `openltc demo`
SEED = 20261126


@dataclass
class DemoContributor:
    name: str
    order: int
    build: Callable[..., Any]
    scale: Callable[..., Any] | None = None


_contributors: dict[str, DemoContributor] = {}


def register(
    name: str, *, order: int, build: Callable[..., Any], scale: Callable[..., Any] | None = None
) -> None:
    _contributors[name] = DemoContributor(name, order, build, scale)


def contributors() -> list[DemoContributor]:
    return sorted(_contributors.values(), key=lambda c: c.order)
