from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from openltc.bids.tests.factories import make_reviewers


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def reviewers(org: Any) -> dict[str, Any]:
    return make_reviewers(org)
