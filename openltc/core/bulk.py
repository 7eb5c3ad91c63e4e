"""Writing many rows of one model in one statement, for bulk paths (imports) whose rules have
already run in Python.

``bulk_insert`` takes plain rows (dicts of attname → value), converts each value once per column
the way the model field would for the database, and writes them with ``COPY … FROM STDIN`` on
PostgreSQL (the batch's rows formatted column by column into one text in COPY's text format, sent
with one ``write``: psycopg's ``write_row`` adapts and escapes every cell through its dumpers) or
one ``executemany`` on SQLite. Django's ``bulk_create`` compiles every value of
every row through the field machinery (``get_db_prep_save`` per cell, SQL text per row), which
costs more than the rest of an import; here a column whose Python value the driver takes as it is
(text, numbers, booleans) is passed straight through.

No signals are sent and no model instances are built: the caller is a service that does what the
signals would (history rows, audit events) in the same transaction, with its own bulk call.
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import connection, models

_MISSING = object()

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
            if not value and (value.__class__ is list or value.__class__ is dict):
                return "[]" if value.__class__ is list else "{}"  # most rows' defaults
            try:
                # The plain encoder writes what the field's encoder would for JSON-native values
                # (the encoder only adds ``default`` for other types), and much faster.
                return dumps(value)
            except TypeError:
                return dumps(value, cls=encoder)

        to_json.encodes_json = True  # type: ignore[attr-defined]
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


class BulkRows:
    """One model's rows written in one statement, given in parts: ``encode`` prepares a part (its
    values converted, on PostgreSQL formatted as COPY text) and ``writer`` sends the parts. On
    PostgreSQL the writer is one ``COPY … FROM STDIN`` and each part is sent as it comes, so the
    server works on one part while the caller prepares the next (nothing may query the database
    on this connection while the writer is open); on SQLite the parts are written with one
    ``executemany`` when the writer closes."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        meta = model._meta
        fields = [meta.get_field(name) for name in columns]
        self.attnames = [f.attname for f in fields]  # type: ignore[union-attr]
        self.vendor = connection.vendor
        self.converters = [_converter(f, self.vendor) for f in fields]  # type: ignore[arg-type]
        self.table = connection.ops.quote_name(meta.db_table)
        self.names = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[union-attr,arg-type]
        self.marks = ", ".join(["%s"] * len(fields))
        self.count = 0

    def encode(self, rows: list[dict[str, Any]]) -> tuple[int, Any]:
        """A part: its number of rows and what the writer sends for them."""
        columns = _columns(rows, self.attnames, self.converters)
        if not columns:
            return 0, None
        if self.vendor == "postgresql":
            return len(rows), copy_text(columns)
        return len(rows), list(zip(*columns, strict=True))

    @contextmanager
    def writer(self) -> Iterator[Callable[[tuple[int, Any]], None]]:
        started = time.perf_counter()
        parts: list[Any] = []
        written = 0
        with connection.wrap_database_errors, connection.cursor() as cursor:
            if self.vendor == "postgresql":
                sql = f"COPY {self.table} ({self.names}) FROM STDIN"
                # psycopg holds the connection for the whole COPY: a query from the same thread
                # would wait for it forever, so one is refused instead.
                with connection.execute_wrapper(_no_query_while_copying), cursor.cursor.copy(sql) as copy:

                    def send(part: tuple[int, Any]) -> None:
                        nonlocal written
                        if part[0]:
                            copy.write(part[1])
                            written += part[0]

                    yield send
            else:

                def collect(part: tuple[int, Any]) -> None:
                    nonlocal written
                    if part[0]:
                        parts.extend(part[1])
                        written += part[0]

                yield collect
                sql = f"INSERT INTO {self.table} ({self.names}) VALUES ({self.marks})"
                if parts:
                    cursor.executemany(sql, parts)
        self.count += written
        if connection.queries_logged and self.vendor == "postgresql":
            # COPY bypasses the debug cursor; log it so query counts (tests, the toolbar) see it.
            connection.queries_log.append(
                {"sql": f"{sql} -- {written} rows", "time": f"{time.perf_counter() - started:.3f}"}
            )

    def insert(self, rows: list[dict[str, Any]]) -> int:
        part = self.encode(rows)
        if not part[0]:
            return 0
        with self.writer() as write:
            write(part)
        return part[0]


def _no_query_while_copying(*_args: Any) -> Any:
    raise RuntimeError("No query may run on this connection while a bulk insert streams (COPY).")


def bulk_insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> int:
    """Inserts ``rows`` (dicts keyed by the attnames in ``columns``) into ``model``'s table in one
    statement; returns the number of rows written. Missing keys are written as NULL, so callers
    pass every column whose database default they do not want."""
    return BulkRows(model, columns).insert(list(rows))


def _columns(
    rows: list[dict[str, Any]], attnames: list[str], converters: list[Callable[[Any], Any] | None]
) -> list[list[Any]]:
    """The rows' values column by column, each converted column converted as a whole (a list
    comprehension per column rather than a dispatch per cell)."""
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
    columns: list[list[Any]] = [list(column) for column in zip(*raw, strict=True)]
    for index, convert in enumerate(converters):
        if convert is None:
            continue
        if getattr(convert, "encodes_json", False):
            # A JSON value shared by several rows (a default, a list the caller reuses) is
            # encoded once: keyed by identity, safe while the column holds every object.
            done: dict[int, Any] = {}
            converted = []
            for value in columns[index]:
                key = id(value)
                text = done.get(key, _MISSING)
                if text is _MISSING:
                    text = done[key] = convert(value)
                converted.append(text)
            columns[index] = converted
        else:
            columns[index] = [convert(value) for value in columns[index]]
    return columns


# --- COPY's text format ---------------------------------------------------------------------------
# A row is its cells joined by tabs and ended by a newline; NULL is ``\N``; inside a cell a
# backslash, and the control characters that would end the cell or the row, are written as
# backslash sequences (the same set psycopg's ``write_row`` escapes). NUL cannot be sent at all:
# PostgreSQL text never holds it, and the services refuse it before a row gets here.

_COPY_SPECIAL = re.compile("[\b\t\n\v\f\r\\\\]")
_COPY_ESCAPES = str.maketrans(
    {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r", "\\": "\\\\"}
)
_COPY_NULL = "\\N"


def copy_cell(value: Any) -> str:
    """One value in COPY's text format, as psycopg's text dumpers would write it."""
    if value is None:
        return _COPY_NULL
    kind = value.__class__
    if kind is str:
        text = value
    elif kind is bool:
        return "t" if value else "f"
    elif kind is int or kind is decimal.Decimal or kind is uuid.UUID:
        return str(value)
    elif kind is float:
        return repr(value)
    elif kind is datetime.datetime or kind is datetime.date or kind is datetime.time:
        text = value.isoformat()
    elif isinstance(value, str):  # a str subclass (a choices member, a lazy translation's result)
        text = str.__str__(value)
    else:
        text = _psycopg_text(value)
    return text.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(text) else text


def _psycopg_text(value: Any) -> str:
    """Any other type as psycopg adapts it (its text dumper for the value's type)."""
    from psycopg.adapt import PyFormat, Transformer

    dumped = Transformer().get_dumper(value, PyFormat.TEXT).dump(value)
    return bytes(dumped).decode() if dumped is not None else _COPY_NULL


def copy_column(values: list[Any]) -> list[str]:
    """A column's cells in COPY's text format. Most columns of a bulk insert hold one value on
    every row (defaults, the batch's moment) or plain text with nothing to escape; those are
    recognised with a few C-level passes over the column instead of a Python call per cell."""
    if not values:
        return []
    first = values[0]
    kinds = set(map(type, values))
    if len(kinds) == 1 and values.count(first) == len(values):
        return [copy_cell(first)] * len(values)
    if kinds == {str} and _COPY_SPECIAL.search("".join(values)) is None:
        return values
    return [copy_cell(value) for value in values]


def copy_text(columns: list[list[Any]]) -> str:
    """Rows given column by column, as one text for ``COPY … FROM STDIN`` (text format)."""
    if not columns or not columns[0]:
        return ""
    cells = [copy_column(column) for column in columns]
    return "\n".join(map("\t".join, zip(*cells, strict=True))) + "\n"
