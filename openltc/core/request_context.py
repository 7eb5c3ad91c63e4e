"""The current request's id and actor, carried in context variables so that services and log
records can name them without every call passing the request down."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("openltc_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str | None = None) -> contextvars.Token[str]:
    return _request_id.set(value or uuid.uuid4().hex)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


# --- per-request memo ------------------------------------------------------------------------------
# Admin-edited settings rows (report settings, stage settings, aging buckets, the cash policy) are
# read by several panels of one page; the memo lets each be read once per request. Outside a
# request (services, tasks, tests calling selectors) nothing is memoised.

_memo: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "openltc_request_memo", default=None
)


def start_request_memo() -> contextvars.Token[dict[str, Any] | None]:
    return _memo.set({})


def end_request_memo(token: contextvars.Token[dict[str, Any] | None]) -> None:
    _memo.reset(token)


def request_memo(key: str, factory: Callable[[], T]) -> T:
    """``factory()``, computed once per request under ``key``."""
    memo = _memo.get()
    if memo is None:
        return factory()
    if key not in memo:
        memo[key] = factory()
    return memo[key]  # type: ignore[no-any-return]


def forget_request_memo(*_args: Any, **_kwargs: Any) -> None:
    """Drops what the current request memoised (connected to saves of the memoised rows, so a
    request that changes a setting reads the new value afterwards)."""
    memo = _memo.get()
    if memo:
        memo.clear()


def forgotten_on_change(*models: type) -> None:
    """Clears the request memo whenever a row of ``models`` is saved or deleted."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                forget_request_memo, sender=model, dispatch_uid=f"request-memo-{model.__name__}-{signal}"
            )
