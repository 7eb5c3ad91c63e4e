""" "My work": each app registers a provider that lists what waits for the user in that app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass
class WorkItem:
    label: str | Promise
    count: int
    url: str
    urgent: bool = False


Provider = Callable[[Any], list[WorkItem]]
_providers: list[tuple[int, Provider]] = []


def register(provider: Provider, *, order: int = 100) -> Provider:
    if all(p is not provider for _, p in _providers):
        _providers.append((order, provider))
        _providers.sort(key=lambda pair: pair[0])
    return provider


def work_for(user: Any) -> list[WorkItem]:
    items: list[WorkItem] = []
    for _order, provider in _providers:
        items.extend(provider(user))
    return items
