"""Demo contracts: built in a later step."""

from __future__ import annotations

from typing import Any


def build(*, stdout: Any) -> None:
    return None
