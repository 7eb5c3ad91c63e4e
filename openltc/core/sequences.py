"""Gap-free human-readable numbers (opportunities, contracts, invoices, ...).

One counter row per key, locked with SELECT ... FOR UPDATE for the rest of the caller's
transaction: concurrent callers queue on the row, and a caller that rolls back gives its number
back. The cost is that numbering under one key is serialised, which is what "no gaps" means.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from openltc.core.models import NumberSequence


def next_value(key: str) -> int:
    """The next number under ``key``; must run inside the transaction that stores the record."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value() must be called inside the transaction that uses the number")
    row = NumberSequence.objects.select_for_update().filter(key=key).first()
    if row is None:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(key=key)
        except IntegrityError:
            pass  # another transaction created it first; we queue on its lock below
        row = NumberSequence.objects.select_for_update().get(key=key)
    row.last_value += 1
    row.save(update_fields=["last_value"])
    return row.last_value


def peek(key: str) -> int:
    """The last number issued under ``key`` (0 if none); for reports and integrity checks."""
    return NumberSequence.objects.filter(key=key).values_list("last_value", flat=True).first() or 0
