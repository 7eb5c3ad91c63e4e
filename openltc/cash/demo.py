"""Demo cash data (placeholder, filled below)."""

from __future__ import annotations

from typing import Any


def build(*, stdout: Any = None) -> None:
    return None
