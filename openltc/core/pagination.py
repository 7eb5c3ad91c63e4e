"""One pagination convention for pages and the API: ``page`` (1-based) and ``page_size``."""

from __future__ import annotations

import math
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
    # False when the list holds more than ``count`` rows (the count stopped at the limit);
    # ``pages`` is then a lower bound and ``has_next`` is known from the rows themselves.
    count_exact: bool = True

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


def count_limit() -> int:
    return int(getattr(settings, "OPENLTC_COUNT_LIMIT", 0))


def paginate(queryset: Any, *, page: Any = 1, page_size: Any = None) -> PageResult:
    """Two queries per page whatever the data size: one COUNT, one LIMIT/OFFSET.

    The COUNT stops at ``OPENLTC_COUNT_LIMIT`` rows: beyond it the list says "more than N" and
    the page is read with one row extra to tell whether another page follows.
    """
    size = parse_page_size(page_size)
    limit = count_limit()
    if limit > 0 and hasattr(queryset, "order_by"):
        # Without the ordering the database can stop at the limit instead of sorting first.
        capped = queryset.order_by()[: limit + 1].count()
        if capped > limit:
            return _page_of_many(queryset, page, size, limit)
        queryset = _CountKnown(queryset, capped)
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


class _CountKnown:
    """A queryset whose row count is already known, so the paginator does not count again."""

    def __init__(self, queryset: Any, count: int) -> None:
        self._queryset = queryset
        self._count = count
        self.ordered = getattr(queryset, "ordered", True)

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: Any) -> Any:
        return self._queryset[key]


def _page_of_many(queryset: Any, page: Any, size: int, limit: int) -> PageResult:
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    if number < 1:
        number = 1
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    if not rows and number > 1:
        # Past the end of a long list: count once, exactly, and show the last page as the
        # short list does.
        count = queryset.count()
        pages = max(1, math.ceil(count / size))
        return PageResult(
            items=list(queryset[(pages - 1) * size : pages * size]),
            count=count,
            page=pages,
            page_size=size,
            pages=pages,
        )
    more = len(rows) > size
    return PageResult(
        items=rows[:size],
        count=limit,
        page=number,
        page_size=size,
        pages=max(math.ceil((limit + 1) / size), number + (1 if more else 0)),
        count_exact=False,
    )
