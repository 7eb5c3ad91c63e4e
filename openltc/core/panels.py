"""Panels that other apps add to a record's page.

The opportunity page shows $APPEALS, bids and evaluation; the contract page shows delivery and
cash at a glance. The host app must not import those apps (they build on it, not the reverse),
so each contributing app registers a panel for a host in its ``AppConfig.ready()`` and the host
template renders ``{% record_panels "<host>" object %}``. A panel's context function returns
``None`` to stay hidden (nothing to show, or the viewer may not see it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PanelContext = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    host: str
    key: str
    template: str
    context: PanelContext
    order: int = 100


_panels: dict[tuple[str, str], Panel] = {}


def register(host: str, key: str, *, template: str, context: PanelContext, order: int = 100) -> None:
    """``host`` is the page's record as ``app_label.model`` (``contracts.contract``)."""
    _panels[(host, key)] = Panel(host=host, key=key, template=template, context=context, order=order)


def panels_for(host: str, request: HttpRequest, obj: Any) -> list[tuple[Panel, dict[str, Any]]]:
    shown: list[tuple[Panel, dict[str, Any]]] = []
    for panel in sorted((p for p in _panels.values() if p.host == host), key=lambda p: (p.order, p.key)):
        context = panel.context(request, obj)
        if context is not None:
            shown.append((panel, context))
    return shown
