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


# How many matching keys a scanning list reads first (see :func:`scanning`): enough that, when
# more match, they are dense enough for the ordered index walk to find a page quickly.
FEW_MATCHES = 1_000
_SCANS = "openltc_scans"


def scanning(queryset: Any) -> Any:
    """Marks a list whose filter no index serves (a two-character text search, say): every row
    must be read to find the matches, and reading the page first would walk the sort order's
    index through the whole table when few or none match. :func:`paginate` then reads the keys of
    the matches first, up to :data:`FEW_MATCHES`, in one scan. The mark lives on the query, so it
    survives later ``filter``/``order_by`` clones."""
    clone = queryset.all()
    setattr(clone.query, _SCANS, True)
    return clone


def paginate(queryset: Any, *, page: Any = 1, page_size: Any = None) -> PageResult:
    """At most two queries per page whatever the data size: the page, then a COUNT (three for
    a :func:`scanning` list with many matches).

    The page is read first, with one row extra: when no row follows it, it is the last page and
    its rows give the count, so a search that finds a page or less costs one query. Otherwise
    the COUNT stops at ``OPENLTC_COUNT_LIMIT`` rows: beyond it the list says "more than N".
    A page number past the end shows the last page.
    """
    size = parse_page_size(page_size)
    if not hasattr(queryset, "order_by"):
        return _paginate_sequence(queryset, page, size)
    try:
        number = max(1, int(page))
    except (TypeError, ValueError):
        number = 1
    if getattr(queryset.query, _SCANS, False):
        keys = list(queryset.order_by().values_list("pk", flat=True)[: FEW_MATCHES + 1])
        if len(keys) <= FEW_MATCHES:
            # Every match is known: the page is read by key (none: no second query).
            count = len(keys)
            pages = max(1, math.ceil(count / size))
            number = min(number, pages)
            page_rows = queryset.filter(pk__in=keys)[(number - 1) * size : number * size] if keys else []
            return PageResult(items=list(page_rows), count=count, page=number, page_size=size, pages=pages)
        # Many match, so they are dense and the ordinary path below finds a page quickly.
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    if not rows and number > 1:
        count = queryset.count()
        pages = max(1, math.ceil(count / size))
        return PageResult(
            items=list(queryset[(pages - 1) * size : pages * size]),
            count=count,
            page=pages,
            page_size=size,
            pages=pages,
        )
    if len(rows) <= size:
        return PageResult(items=rows, count=offset + len(rows), page=number, page_size=size, pages=number)
    limit = count_limit()
    if limit > 0:
        # Without the ordering the database can stop at the limit instead of sorting first.
        count = queryset.order_by()[: limit + 1].count()
        if count > limit:
            return PageResult(
                items=rows[:size],
                count=limit,
                page=number,
                page_size=size,
                pages=max(math.ceil((limit + 1) / size), number + 1),
                count_exact=False,
            )
    else:
        count = queryset.count()
    # Rows added or removed between the two queries must not make this page the last one.
    count = max(count, offset + len(rows))
    return PageResult(
        items=rows[:size], count=count, page=number, page_size=size, pages=math.ceil(count / size)
    )


def _paginate_sequence(items: Any, page: Any, size: int) -> PageResult:
    paginator = Paginator(items, size)
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
