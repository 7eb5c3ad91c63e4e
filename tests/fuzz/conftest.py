"""Markers for the fuzzing and bad-input suites.

fuzz_deep  long API fuzzing; on demand only: OPENLTC_FUZZ_DEEP=1 pytest -m fuzz_deep tests/fuzz
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


@pytest.fixture
def upload_media(settings: Any, tmp_path: Path) -> Path:
    """Uploads go to a fresh media folder, with a small upload limit (4 KB) to test it."""
    from tests.fuzz.uploads import LIMIT

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.OPENLTC_MAX_UPLOAD_BYTES = LIMIT
    settings.OPENLTC_MAX_IMPORT_UNPACKED_BYTES = 20 * LIMIT
    return tmp_path / "media"
