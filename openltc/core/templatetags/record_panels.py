from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from openltc.core.panels import panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def record_panels(context: Any, host: str, obj: Any) -> SafeString:
    """Renders the panels other apps registered for ``host`` (see ``core/panels.py``)."""
    request = context["request"]
    parts = [
        render_to_string(panel.template, {**panel_context, "object": obj}, request=request)
        for panel, panel_context in panels_for(host, request, obj)
    ]
    # Each part is a template rendered with autoescaping on.
    return mark_safe("".join(parts))  # noqa: S308
