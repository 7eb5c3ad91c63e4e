"""Writing many rows of one model in one statement, for bulk paths (imports) whose rules have
already run in Python.

``bulk_insert`` takes plain rows (dicts of attname → value), converts each value once per column
the way the model field would for the database, and writes them with ``COPY … FROM STDIN`` on
PostgreSQL or one ``executemany`` on SQLite. Django's ``bulk_create`` compiles every value of
every row through the field machinery (``get_db_prep_save`` per cell, SQL text per row), which
costs more than the rest of an import; here a column whose Python value the driver takes as it is
(text, numbers, booleans) is passed straight through.

No signals are sent and no model instances are built: the caller is a service that does what the
signals would (history rows, audit events) in the same transaction, with its own bulk call.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import connection, models

# Field types whose Python values both drivers accept unchanged.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.FloatField,
)


def _remember_last(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` answering a repeat of the previous value from memory: a bulk path stamps every
    row of a batch with the same moment, so its timestamp columns repeat one value."""
    last: list[Any] = [object(), None]

    def remembered(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        last[0], last[1] = value, convert(value)
        return last[1]

    return remembered


def _converter(field: models.Field[Any, Any], vendor: str) -> Callable[[Any], Any] | None:
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        dumps = json.dumps

        def to_json(value: Any) -> Any:
            if value is None:
                return None
            try:
                # The plain encoder writes what the field's encoder would for JSON-native values
                # (the encoder only adds ``default`` for other types), and much faster.
                return dumps(value)
            except TypeError:
                return dumps(value, cls=encoder)

        return to_json
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if isinstance(field, _PLAIN):
        return None
    if vendor == "postgresql" and isinstance(
        field, models.UUIDField | models.DateTimeField | models.DateField | models.DecimalField
    ):
        return None  # psycopg adapts these types itself (COPY writes them in their text form)
    if vendor == "sqlite":
        # What Django's SQLite operations do, without the per-cell dispatch.
        if isinstance(field, models.UUIDField):
            return lambda value: None if value is None else value.hex
        if isinstance(field, models.DateTimeField) and settings.USE_TZ:
            return _remember_last(
                lambda value: (
                    None if value is None else str(value.astimezone(datetime.UTC).replace(tzinfo=None))
                )
            )
        if isinstance(field, models.DateField | models.DecimalField):
            return lambda value: None if value is None else str(value)

    def prepare(value: Any) -> Any:
        return None if value is None else field.get_db_prep_save(value, connection)

    return prepare


def bulk_insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> int:
    """Inserts ``rows`` (dicts keyed by the attnames in ``columns``) into ``model``'s table in one
    statement; returns the number of rows written. Missing keys are written as NULL, so callers
    pass every column whose database default they do not want."""
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    attnames = [f.attname for f in fields]  # type: ignore[union-attr]
    vendor = connection.vendor
    converters = [_converter(f, vendor) for f in fields]  # type: ignore[arg-type]
    values = _tuples(list(rows), attnames, converters)
    if not values:
        return 0
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[union-attr,arg-type]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            sql = f"COPY {table} ({names}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
            cursor.executemany(sql, values)
    if connection.queries_logged and vendor == "postgresql":
        # COPY bypasses the debug cursor; log it so query counts (tests, the toolbar) see it.
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(values)} rows", "time": f"{time.perf_counter() - started:.3f}"}
        )
    return len(values)


def _tuples(
    rows: list[dict[str, Any]], attnames: list[str], converters: list[Callable[[Any], Any] | None]
) -> list[tuple[Any, ...]]:
    """The rows as tuples in column order, each column converted once as a whole (a list
    comprehension per converted column rather than a dispatch per cell)."""
    if not rows:
        return []
    raw: list[tuple[Any, ...]]
    if len(attnames) == 1:
        raw = [(row.get(attnames[0]),) for row in rows]
    else:
        getter = itemgetter(*attnames)
        try:
            raw = [getter(row) for row in rows]
        except KeyError:  # some rows leave columns out: those are NULL
            raw = [tuple(row.get(a) for a in attnames) for row in rows]
    if not any(converters):
        return raw
    columns: list[Any] = list(zip(*raw, strict=True))
    for index, convert in enumerate(converters):
        if convert is not None:
            columns[index] = [convert(value) for value in columns[index]]
    return list(zip(*columns, strict=True))
