"""One pagination convention for pages and the API: ``page`` (1-based) and ``page_size``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator


@dataclass
class PageResult:
    items: list[Any]
    count: int
    page: int
    page_size: int
    pages: int

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def parse_page_size(raw: Any) -> int:
    try:
        size = int(raw)
    except (TypeError, ValueError):
        return int(settings.OPENLTC_PAGE_SIZE)
    return max(1, min(size, int(settings.OPENLTC_MAX_PAGE_SIZE)))


def paginate(queryset: Any, *, page: Any = 1, page_size: Any = None) -> PageResult:
    """Two queries per page whatever the data size: one COUNT, one LIMIT/OFFSET."""
    size = parse_page_size(page_size)
    paginator = Paginator(queryset, size)
    try:
        current = paginator.page(page)
    except PageNotAnInteger:
        current = paginator.page(1)
    except EmptyPage:
        current = paginator.page(paginator.num_pages)
    return PageResult(
        items=list(current.object_list),
        count=paginator.count,
        page=current.number,
        page_size=size,
        pages=paginator.num_pages,
    )
