from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English; a page rendered in Chinese must not leak its language."""
    with translation.override("en"):
        yield
