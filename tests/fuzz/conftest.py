"""Markers for the fuzzing and bad-input suites.

fuzz_deep  long API fuzzing; on demand only: OPENLTC_FUZZ_DEEP=1 pytest -m fuzz_deep tests/fuzz
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz_deep: long API fuzzing, on demand (OPENLTC_FUZZ_DEEP=1)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("OPENLTC_FUZZ_DEEP"):
        return
    skip = pytest.mark.skip(reason="on demand: set OPENLTC_FUZZ_DEEP=1")
    for item in items:
        if "fuzz_deep" in item.keywords:
            item.add_marker(skip)
