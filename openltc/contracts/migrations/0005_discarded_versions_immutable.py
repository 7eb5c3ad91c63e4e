"""Discarded versions (the amendment of a withdrawn change request) are immutable like archived
and superseded ones: the database refuses to change their snapshot, totals, number or status."""

from django.db import migrations

FROZEN = "('archived', 'superseded', 'discarded')"
OLD_FROZEN = "('archived', 'superseded')"


TABLES = ("contracts_contractline", "contracts_paymentmilestone")


def sqlite_trigger(frozen: str) -> list[str]:
    """Every SQLite guard (0004 dropped them for the table rebuild), the version one widened."""
    rows = [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_frozen_{op.lower()} BEFORE {op} ON {table}
        WHEN (SELECT status FROM contracts_contractversion WHERE id = NEW.version_id) <> 'draft'
        {"OR (SELECT status FROM contracts_contractversion WHERE id = OLD.version_id) <> 'draft'" if op == "UPDATE" else ""}
        BEGIN SELECT RAISE(ABORT, 'contract version is frozen: its lines and milestones cannot change'); END;"""
        for table in TABLES
        for op in ("INSERT", "UPDATE")
    ]
    return [
        *rows,
        "DROP TRIGGER IF EXISTS contracts_contractversion_frozen_update;",
        f"""CREATE TRIGGER contracts_contractversion_frozen_update BEFORE UPDATE ON contracts_contractversion
    WHEN OLD.status IN {frozen} AND (
        NEW.snapshot IS NOT OLD.snapshot OR NEW.total_gross IS NOT OLD.total_gross
        OR NEW.total_net IS NOT OLD.total_net OR NEW.number IS NOT OLD.number
        OR (NEW.status NOT IN ('archived', 'superseded') AND NEW.status IS NOT OLD.status))
    BEGIN SELECT RAISE(ABORT, 'archived, superseded and discarded contract versions are immutable'); END;""",
    ]


def pg_function(frozen: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION contracts_refuse_frozen_version() RETURNS trigger AS $$
    BEGIN
        IF OLD.status IN {frozen} AND (
            NEW.snapshot IS DISTINCT FROM OLD.snapshot OR NEW.total_gross <> OLD.total_gross
            OR NEW.total_net <> OLD.total_net OR NEW.number <> OLD.number
            OR (NEW.status NOT IN ('archived', 'superseded') AND NEW.status <> OLD.status)) THEN
            RAISE EXCEPTION 'archived, superseded and discarded contract versions are immutable'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;"""
    ]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": sqlite_trigger(FROZEN), "postgresql": pg_function(FROZEN)}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": sqlite_trigger(OLD_FROZEN), "postgresql": pg_function(OLD_FROZEN)}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0004_change_requests")]

    operations = [migrations.RunPython(forward, backward)]
