"""The list convention of the API: ``?page=1&page_size=50`` →
``{"count", "count_exact", "page", "page_size", "pages", "items"}``.

``count_exact`` is false when the list holds more rows than ``OPENLTC_COUNT_LIMIT``: ``count`` is
then that limit and ``pages`` a lower bound; a page is the last when it is ``pages`` and no more.
"""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PaginationBase

from openltc.core.pagination import paginate


class PageOut(Schema):
    count: int
    count_exact: bool = True
    page: int
    page_size: int
    pages: int


class PageNumber(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=500)

    class Output(Schema):
        count: int
        count_exact: bool
        page: int
        page_size: int
        pages: int
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(self, queryset: Any, pagination: Any, request: Any = None, **params: Any) -> Any:
        result = paginate(queryset, page=pagination.page, page_size=pagination.page_size)
        return {
            "count": result.count,
            "count_exact": result.count_exact,
            "page": result.page,
            "page_size": result.page_size,
            "pages": result.pages,
            "items": result.items,
        }
