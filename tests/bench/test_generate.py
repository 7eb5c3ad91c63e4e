"""The bench generator loads without the bulk tables' secondary structure and builds it once at
the end (bench.generate.deferred_structure): the schema ends as it was, a broken foreign key or a
changed schema fails the run and rolls it back, the lead search's FTS index covers the rows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import DatabaseError, connection

from bench.generate import (
    BULK_MODELS,
    Generator,
    StructureMismatch,
    Writer,
    bulk_tables,
    deferred_structure,
    schema_snapshot,
)
from openltc.leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db(transaction=True)


def _secondary_indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = %s",
                [table],
            )
        else:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef NOT LIKE %s",
                [table, "%UNIQUE%"],
            )
        return {name for (name,) in cursor.fetchall()}


def _foreign_keys(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT count(*) FROM pragma_foreign_key_list('{table}')")
        else:
            cursor.execute(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass", [table]
            )
        return int(cursor.fetchone()[0])


def test_the_structure_is_out_of_the_way_during_the_load_and_identical_after() -> None:
    before = schema_snapshot()
    tables = bulk_tables()
    assert {"leads_lead", "cash_invoice"} <= set(tables)
    indexes = {t: _secondary_indexes(t) for t in tables}
    assert all(indexes[t] for t in ("leads_lead", "cash_invoice"))
    fks = _foreign_keys("cash_invoice")
    assert fks
    said: list[str] = []
    with deferred_structure(tables, say=said.append) as timings:
        assert all(not _secondary_indexes(t) for t in tables)
        if connection.vendor == "postgresql":
            assert _foreign_keys("cash_invoice") == 0
        else:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA foreign_keys")
                assert cursor.fetchone()[0] == 0
        assert schema_snapshot() != before
    assert schema_snapshot() == before
    assert {t: _secondary_indexes(t) for t in tables} == indexes
    assert _foreign_keys("cash_invoice") == fks
    assert {"structure_drop_s", "index_build_s", "fk_validation_s", "verify_s"} <= set(timings)
    if connection.vendor == "sqlite":
        assert "fts_rebuild_s" in timings
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
    assert any("identical" in line for line in said)


def test_a_broken_foreign_key_fails_the_rebuild_and_rolls_the_load_back() -> None:
    from openltc.customers.models import Contact

    before = schema_snapshot()
    at = "2026-01-01 00:00:00" + ("+00:00" if connection.vendor == "postgresql" else "")
    contact = Writer(Contact, ["id", "created_at", "updated_at", "customer_id", "name"])
    with (
        pytest.raises((StructureMismatch, DatabaseError)),
        deferred_structure(bulk_tables(), say=lambda _: None),
    ):
        contact.write([("0" * 31 + "1", at, at, "f" * 32, "nobody's contact")])
    assert contact.rows == 1
    assert schema_snapshot() == before
    assert not Contact.objects.exists()


def test_a_schema_that_differs_after_the_rebuild_fails_loudly_and_rolls_back() -> None:
    before = schema_snapshot()
    with (
        pytest.raises(StructureMismatch, match="unexpected"),
        deferred_structure(bulk_tables(), say=lambda _: None),
        connection.cursor() as cursor,
    ):
        cursor.execute("CREATE INDEX bench_test_extra ON customers_customer (legal_name)")
    assert schema_snapshot() == before


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_leads_loaded_without_the_fts_triggers_are_in_the_fts_index_after(rep: Any) -> None:
    def fts_rowids(term: str) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM leads_lead_fts WHERE leads_lead_fts MATCH %s", [f'"{term}"'])
            return [row[0] for row in cursor.fetchall()]

    with deferred_structure(bulk_tables(), say=lambda _: None):
        lead = make_lead(owner=rep, actor=rep, company_name="Quixotic Zephyr Works")
        assert fts_rowids("Zephyr") == []  # the trigger is off: nothing indexed yet
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid FROM leads_lead WHERE id = %s", [lead.pk.hex])
        (rowid,) = cursor.fetchone()
    assert fts_rowids("Zephyr") == [rowid]
    lead.company_name = "Quixotic Works"
    lead.save(update_fields=["company_name"])  # the triggers are back
    assert fts_rowids("Zephyr") == []


def test_the_generator_writes_only_the_bulk_models() -> None:
    from openltc.org.models import OrgUnit

    assert "leads.Lead" in BULK_MODELS
    with pytest.raises(ValueError, match="BULK_MODELS"):
        Generator(100)._write(OrgUnit, ["name"], [])


def test_the_writer_stores_text_nulls_and_json_as_given(rep: Any) -> None:
    """Both bulk paths (COPY text built per batch on PostgreSQL, executemany on SQLite) keep
    separators, backslashes and CJK inside values, NULL apart from the empty string, and the
    JSON defaults of columns not named."""
    from openltc.customers.models import Contact, Customer

    at = "2026-01-01 00:00:00" + ("+00:00" if connection.vendor == "postgresql" else "")
    names = ["tab\there", "new\nline\r\n", "back\\slash \\N", "上海华能\t科技", "\\"]
    writer = Writer(
        Customer,
        ["id", "created_at", "updated_at", "name", "legal_name", "tax_id", "org_unit_id", "owner_id"],
    )
    writer.write(
        [
            (
                f"{i + 1:032x}",
                at,
                at,
                name,
                "" if i % 2 else f"{name}有限公司",
                None if i % 2 else f"9131{i:014d}",
                rep.home_unit_id,
                rep.pk,
            )
            for i, name in enumerate(names)
        ]  # fmt: skip
    )
    assert writer.rows == len(names)
    contacts = Writer(Contact, ["id", "created_at", "updated_at", "customer_id", "name"])
    contacts.write(
        [(f"{i + 1:032x}", at, at, f"{i + 1:032x}", f"{name}·联系人") for i, name in enumerate(names)]
    )
    got = {
        c.name: c for c in Customer.objects.filter(pk__in=[uuid.UUID(int=i + 1) for i in range(len(names))])
    }
    assert sorted(got) == sorted(names)
    for i, name in enumerate(names):
        customer = got[name]
        assert customer.legal_name == ("" if i % 2 else f"{name}有限公司")
        assert customer.tax_id == (None if i % 2 else f"9131{i:014d}")
        contact = customer.contacts.get()
        assert contact.name == f"{name}·联系人"
        assert contact.coach_functions == []  # a JSON default written as the COPY/SQL text of []
        assert contact.buying_roles == Contact._meta.get_field("buying_roles").get_default()
