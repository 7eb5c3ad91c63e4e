"""``core.bulk``: the COPY text format built in Python (PostgreSQL) and what it stores, on both
databases (SQLite goes through ``executemany`` with the same encoded columns)."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from openltc.core.bulk import BulkRows, bulk_insert, copy_cell, copy_column, copy_text
from openltc.core.models import AuditEvent


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "\\N"),
        ("", ""),
        ("\\N", "\\\\N"),  # the two characters, not NULL
        ("a\tb", "a\\tb"),
        ("line\nnext\r\n", "line\\nnext\\r\\n"),
        ("C:\\temp\\new", "C:\\\\temp\\\\new"),
        ("\\.", "\\\\."),  # not the end-of-data marker
        ("bell\b form\f tab\v", "bell\\b form\\f tab\\v"),
        ("上海电力 股份", "上海电力 股份"),
        (True, "t"),
        (False, "f"),
        (0, "0"),
        (-12, "-12"),
        (1.5, "1.5"),
        (Decimal("1200000.00"), "1200000.00"),
        (uuid.UUID("12345678-1234-5678-1234-567812345678"), "12345678-1234-5678-1234-567812345678"),
        (datetime.date(2026, 9, 30), "2026-09-30"),
        (
            datetime.datetime(2026, 11, 27, 9, 5, 1, 250, tzinfo=datetime.UTC),
            "2026-11-27T09:05:01.000250+00:00",
        ),
    ],
)
def test_copy_cell(value: Any, text: str) -> None:
    assert copy_cell(value) == text


def test_copy_column_shortcuts_give_the_same_cells_as_one_by_one() -> None:
    columns = [
        ["same"] * 4,
        [None] * 4,
        ["plain", "text", "only", "上海"],
        ["tab\there", "plain", None, ""],
        [1, True, 1, 1],  # equal but not the same type: no shortcut
        [timezone.now()] * 4,
    ]
    for column in columns:
        assert copy_column(column) == [copy_cell(value) for value in column]


def test_copy_text_rows_and_columns() -> None:
    assert copy_text([["a", "b\tc"], [None, ""]]) == "a\t\\N\nb\\tc\t\n"
    assert copy_text([]) == ""


def _event(**values: Any) -> dict[str, Any]:
    return {
        "occurred_at": timezone.now(),
        "actor_id": None,
        "actor_name": "",
        "action": "test.copy",
        "subject_type_id": ContentType.objects.get_for_model(AuditEvent).pk,
        "subject_id": "1",
        "subject_repr": "",
        "before": {},
        "after": {},
        "message": "",
        "request_id": "",
        **values,
    }


COLUMNS = [f.name for f in AuditEvent._meta.concrete_fields if f.name != "id"]


@pytest.mark.django_db(transaction=True)
def test_awkward_text_and_json_round_trip() -> None:
    awkward = "tab\there, new\nline, back\\slash, \\N, \\., quote \" ' 上海 😀 end\r"
    shared = {"list": [1, "a\tb", None], "text": awkward, "中文": "值"}
    rows = [
        _event(actor_name=awkward, subject_repr="\\", message="\\N", before=shared, after=shared),
        _event(actor_name="", subject_repr="plain", message="", before={}, after={"n": None}),
        _event(actor_name="x" * 150, subject_repr="end\\", before=[], after={"nested": {"k": ["\\", "\n"]}}),
    ]
    with transaction.atomic():
        assert bulk_insert(AuditEvent, COLUMNS, rows) == 3
    stored = list(
        AuditEvent.objects.filter(action="test.copy")
        .order_by("id")
        .values("actor_id", "actor_name", "subject_repr", "message", "before", "after")
    )
    assert stored == [
        {
            "actor_id": None,
            "actor_name": row["actor_name"],
            "subject_repr": row["subject_repr"],
            "message": row["message"],
            "before": row["before"],
            "after": row["after"],
        }
        for row in rows
    ]


@pytest.mark.django_db(transaction=True)
def test_parts_written_through_one_writer() -> None:
    out = BulkRows(AuditEvent, COLUMNS)
    parts = [out.encode([_event(subject_id=str(i)) for i in range(start, start + 3)]) for start in (0, 3)]
    with transaction.atomic(), out.writer() as write:
        for part in parts:
            write(part)
        write(out.encode([]))
    assert out.count == 6
    ids = AuditEvent.objects.filter(action="test.copy").order_by("id").values_list("subject_id", flat=True)
    assert list(ids) == [str(i) for i in range(6)]


@pytest.mark.django_db(transaction=True)
def test_an_error_in_the_middle_of_a_writer_writes_nothing() -> None:
    out = BulkRows(AuditEvent, COLUMNS)
    part = out.encode([_event()])

    def write_then_fail() -> None:
        with transaction.atomic(), out.writer() as write:
            write(part)
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        write_then_fail()
    assert not AuditEvent.objects.filter(action="test.copy").exists()
    assert AuditEvent.objects.filter(action="test.copy").count() == 0  # the connection is usable


@pytest.mark.django_db(transaction=True)
def test_a_query_while_a_writer_is_open_is_refused_on_postgresql() -> None:
    """psycopg holds the connection during a COPY: a query from the same thread would hang."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite collects the parts and writes them when the writer closes")
    out = BulkRows(AuditEvent, COLUMNS)
    part = out.encode([_event()])

    def query_while_writing() -> None:
        with transaction.atomic(), out.writer() as write:
            write(part)
            AuditEvent.objects.count()

    with pytest.raises(RuntimeError, match="No query may run"):
        query_while_writing()
    assert not AuditEvent.objects.filter(action="test.copy").exists()
