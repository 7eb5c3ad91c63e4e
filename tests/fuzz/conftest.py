"""Fixtures for the fuzzing and bad-input suites (the fuzz_deep marker and its skip live in the root conftest).

fuzz_deep  long API fuzzing; on demand only: OPENLTC_FUZZ_DEEP=1 pytest -m fuzz_deep tests/fuzz
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def upload_media(settings: Any, tmp_path: Path) -> Path:
    """Uploads go to a fresh media folder, with a small upload limit (4 KB) to test it."""
    from tests.fuzz.uploads import LIMIT

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.OPENLTC_MAX_UPLOAD_BYTES = LIMIT
    settings.OPENLTC_MAX_IMPORT_UNPACKED_BYTES = 20 * LIMIT
    return tmp_path / "media"
