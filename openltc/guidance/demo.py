"""Demo guidance (placeholder; filled below)."""

from typing import Any


def build(*, stdout: Any = None) -> None:
    return None
