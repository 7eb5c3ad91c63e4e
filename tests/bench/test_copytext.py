"""The generator's COPY text (bench.copytext): escaping, NULL against the empty string, JSON, CJK,
and on PostgreSQL a round trip through COPY that must give back exactly the values written."""

from __future__ import annotations

import datetime
import enum
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from bench import copytext

NASTY = [
    "plain",
    "",
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\",
    "ends with backslash\\",
    "上海华能东方科技有限公司",
    "混合\t中文\n和\\符号",
    "\\t literally",
]


def _parse(text: str) -> list[list[str | None]]:
    """COPY text back into values, as PostgreSQL reads it (for the pure tests)."""
    unescape = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
    rows: list[list[str | None]] = []
    assert text.endswith("\n")
    for line in text[:-1].split("\n"):
        values: list[str | None] = []
        for raw in line.split("\t"):
            if raw == "\\N":
                values.append(None)
                continue
            out, i = [], 0
            while i < len(raw):
                if raw[i] == "\\":
                    out.append(unescape[raw[i + 1]])
                    i += 2
                else:
                    out.append(raw[i])
                    i += 1
            values.append("".join(out))
        rows.append(values)
    return rows


def test_every_special_character_is_escaped_and_comes_back() -> None:
    rows = [(value, f"#{i}") for i, value in enumerate(NASTY)]
    text = copytext.rows_text(rows)
    assert text.count("\n") == len(NASTY)  # no raw newline inside a value
    assert all(line.count("\t") == 1 for line in text.splitlines())  # nor a raw tab
    assert "\r" not in text
    assert _parse(text) == [[value, f"#{i}"] for i, value in enumerate(NASTY)]


def test_escaping_is_decided_per_column_whatever_the_other_columns_hold() -> None:
    rows = [("a\tb", "clean", None), ("c", "also clean", "x\\y")]
    assert copytext.rows_text(rows) == "a\\tb\tclean\t\\N\nc\talso clean\tx\\\\y\n"


def test_null_and_the_empty_string_stay_apart() -> None:
    rows = [("", None, 1), (None, "", None), ("\\N", "N", 0)]
    text = copytext.rows_text(rows)
    assert text == "\t\\N\t1\n\\N\t\t\\N\n\\\\N\tN\t0\n"
    assert _parse(text) == [["", None, "1"], [None, "", None], ["\\N", "N", "0"]]


def test_types_have_their_postgresql_text_form() -> None:
    class Colour(enum.StrEnum):
        RED = "red"

    class Level(enum.IntEnum):
        TOP = 3

    identifier = uuid.UUID(int=255)
    values = (
        True, False, 7, Decimal("12.50"), Decimal("-0.01"), 1.5, datetime.date(2026, 1, 2),
        identifier, Colour.RED, Level.TOP,
    )  # fmt: skip
    text = copytext.rows_text([values])
    assert text == f"t\tf\t7\t12.50\t-0.01\t1.5\t2026-01-02\t{identifier.hex}\tred\t3\n"


def test_json_is_dumped_without_ascii_escapes_and_its_backslashes_doubled() -> None:
    value = {"name": '上海\t"quoted"', "path": "C:\\dir", "lines": ["a\nb"], "none": None}
    dumped = json.dumps(value, ensure_ascii=False)
    assert "\\" in dumped  # json's own escapes, which COPY must not read as its own
    text = copytext.rows_text([(value, [1, "二"])])
    (row,) = _parse(text)
    assert row[0] is not None
    assert json.loads(row[0]) == value
    assert row[1] is not None
    assert json.loads(row[1]) == [1, "二"]
    assert "上海" in text


def test_mixed_columns_fall_back_to_per_value_conversion() -> None:
    rows = [(1, "x"), (Decimal("2.5"), None), (None, 3), (True, Decimal(4))]
    assert copytext.rows_text(rows) == "1\tx\n2.5\t\\N\n\\N\t3\nt\t4\n"


def test_the_tail_is_appended_to_every_line() -> None:
    tail = copytext.tail_text(("", None, "a\tb", {"k": []}, False))
    assert tail == '\t\t\\N\ta\\tb\t{"k": []}\tf'
    assert copytext.rows_text([("1",), ("2",)], tail) == f"1{tail}\n2{tail}\n"
    assert copytext.rows_text([], tail) == ""


def test_refuses_what_it_cannot_write_faithfully() -> None:
    with pytest.raises(ValueError, match="different lengths"):
        copytext.rows_text([("a", "b"), ("c",)])
    with pytest.raises(TypeError, match="datetimes"):
        copytext.rows_text([(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),)])
    with pytest.raises(TypeError, match="no COPY text form"):
        copytext.field(object())


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_reads_back_exactly_the_values_written() -> None:
    rows: list[tuple[Any, ...]] = [
        (i, value, value, {"v": value, "n": i}, i % 2 == 0, Decimal(i) / 4, None if i % 3 else "")
        for i, value in enumerate(NASTY)
    ]
    rows.append((len(rows), None, "", None, None, None, None))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE copytext_probe "
            "(k integer, t text, v varchar(100), j jsonb, b boolean, d numeric(10, 2), e text)"
        )
        with cursor.cursor.copy("COPY copytext_probe FROM STDIN") as copy:
            copy.write(copytext.rows_text(rows, copytext.tail_text(())))
        cursor.execute("SELECT k, t, v, j, b, d, e FROM copytext_probe ORDER BY k")
        back = [
            (k, t, v, None if j is None else json.loads(j), b, d, e)  # Django reads jsonb as text
            for k, t, v, j, b, d, e in cursor.fetchall()
        ]
    cent = Decimal("0.01")
    assert back == [
        (k, t, v, j, b, None if d is None else d.quantize(cent), e) for k, t, v, j, b, d, e in rows
    ]
