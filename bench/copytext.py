"""PostgreSQL ``COPY … FROM STDIN`` text format, built a batch of rows at a time.

psycopg's ``Copy.write_row`` dumps each value of each row through its dumper, in a call per row;
the generator writes tens of millions of values, so it builds the text of a whole batch here, a
column at a time: a column whose values are all of one plain type (str, int, Decimal, NULL) is
converted by a single ``map`` and checked for characters that need escaping in one scan of the
column's joined text.

Text format (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2): fields are
separated by a tab, rows end with a newline, ``\\N`` is NULL, and a backslash, tab, newline or
carriage return inside a value is written as ``\\\\``, ``\\t``, ``\\n``, ``\\r``. An empty string
is an empty field (not NULL).
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NONE = type(None)


def _needs_escaping(text: str) -> bool:
    return "\\" in text or "\t" in text or "\n" in text or "\r" in text


def escape(text: str) -> str:
    return text.translate(_ESCAPES) if _needs_escaping(text) else text


def field(value: Any) -> str:
    """One value in COPY text form.

    Datetimes are refused: the generator passes them as text it formatted itself, with the
    offset it means (a naive datetime would be read in the session's time zone)."""
    if value is None:
        return NULL
    kind = type(value)
    if kind is str:
        return escape(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is Decimal:
        return str(value)
    if kind is float:
        return repr(value)
    if isinstance(value, str):  # a TextChoices member: its value
        return escape(str.__str__(value))
    if isinstance(value, int):  # an IntegerChoices member (bool was handled above)
        return int.__repr__(value)
    if isinstance(value, (dict, list)):
        return escape(json.dumps(value, ensure_ascii=False))
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime.datetime):
        raise TypeError(f"pass datetimes as text with their offset, not {value!r}")
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"no COPY text form for {type(value).__name__}: {value!r}")


def column(values: Sequence[Any]) -> Sequence[str]:
    """The COPY text of one column of a batch."""
    kinds = set(map(type, values))
    if kinds == {str}:
        if _needs_escaping("".join(values)):
            return [v.translate(_ESCAPES) for v in values]
        return values
    if kinds == {str, _NONE}:
        if _needs_escaping("".join(v for v in values if v is not None)):
            return [NULL if v is None else v.translate(_ESCAPES) for v in values]
        return [NULL if v is None else v for v in values]
    if kinds <= {int, Decimal}:
        return list(map(str, values))
    if kinds <= {int, Decimal, _NONE}:
        return [NULL if v is None else str(v) for v in values]
    return [field(v) for v in values]


def rows_text(rows: Sequence[tuple[Any, ...]], tail: str = "") -> str:
    """The COPY text of ``rows`` (tuples of equal length), ``tail`` appended to every line: the
    already converted text of columns that are the same in every row, each preceded by a tab."""
    if not rows:
        return ""
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError(f"rows of different lengths in one batch (first has {width} values)")
    end = tail + "\n"
    return end.join(map("\t".join, zip(*map(column, zip(*rows, strict=True)), strict=True))) + end


def tail_text(constants: Sequence[Any]) -> str:
    """The ``tail`` of :func:`rows_text` for ``constants``."""
    return "".join("\t" + field(value) for value in constants)
