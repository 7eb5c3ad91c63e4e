from django.http import HttpRequest


def htmx_partial(request: HttpRequest) -> bool:
    """True when HTMX asks for a fragment (not a full page, and not a boosted navigation)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)
