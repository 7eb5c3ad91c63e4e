"""Every guidance test starts with the default playbooks of the data migration: transactional
tests flush migration data, and a reused test database keeps the flush."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.apps import apps as django_apps


@pytest.fixture(autouse=True)
def _default_playbooks(request: Any) -> None:
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    import_module("openltc.guidance.migrations.0002_default_playbooks").create_playbooks(django_apps, None)
