"""Database guard for frozen versions, and the default countersign departments.

Lines and milestones of a version that is no longer a draft cannot be inserted or updated
(on PostgreSQL not deleted either; SQLite flushes test databases with DELETE, so deletion is
guarded by the services only there). The frozen snapshot and totals of an archived or
superseded version cannot be updated.
"""

from django.db import migrations

TABLES = ("contracts_contractline", "contracts_paymentmilestone")

SQLITE_UP = [
    *[
        f"""CREATE TRIGGER {table}_frozen_{op.lower()} BEFORE {op} ON {table}
        WHEN (SELECT status FROM contracts_contractversion WHERE id = NEW.version_id) <> 'draft'
        {"OR (SELECT status FROM contracts_contractversion WHERE id = OLD.version_id) <> 'draft'" if op == "UPDATE" else ""}
        BEGIN SELECT RAISE(ABORT, 'contract version is frozen: its lines and milestones cannot change'); END;"""
        for table in TABLES
        for op in ("INSERT", "UPDATE")
    ],
    """CREATE TRIGGER contracts_contractversion_frozen_update BEFORE UPDATE ON contracts_contractversion
    WHEN OLD.status IN ('archived', 'superseded') AND (
        NEW.snapshot IS NOT OLD.snapshot OR NEW.total_gross IS NOT OLD.total_gross
        OR NEW.total_net IS NOT OLD.total_net OR NEW.number IS NOT OLD.number
        OR NEW.status NOT IN ('archived', 'superseded'))
    BEGIN SELECT RAISE(ABORT, 'archived and superseded contract versions are immutable'); END;""",
]
SQLITE_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {table}_frozen_{op.lower()};" for table in TABLES for op in ("INSERT", "UPDATE")],
    "DROP TRIGGER IF EXISTS contracts_contractversion_frozen_update;",
]

PG_UP = [
    """CREATE OR REPLACE FUNCTION contracts_refuse_frozen_row() RETURNS trigger AS $$
    DECLARE
        new_status text;
        old_status text;
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            SELECT status INTO new_status FROM contracts_contractversion WHERE id = NEW.version_id;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            SELECT status INTO old_status FROM contracts_contractversion WHERE id = OLD.version_id;
        END IF;
        IF COALESCE(new_status, 'draft') <> 'draft' OR COALESCE(old_status, 'draft') <> 'draft' THEN
            RAISE EXCEPTION 'contract version is frozen: its lines and milestones cannot change'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;""",
    *[
        f"""CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION contracts_refuse_frozen_row();"""
        for table in TABLES
    ],
    """CREATE OR REPLACE FUNCTION contracts_refuse_frozen_version() RETURNS trigger AS $$
    BEGIN
        IF OLD.status IN ('archived', 'superseded') AND (
            NEW.snapshot IS DISTINCT FROM OLD.snapshot OR NEW.total_gross <> OLD.total_gross
            OR NEW.total_net <> OLD.total_net OR NEW.number <> OLD.number
            OR NEW.status NOT IN ('archived', 'superseded')) THEN
            RAISE EXCEPTION 'archived and superseded contract versions are immutable'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER contracts_contractversion_frozen BEFORE UPDATE ON contracts_contractversion
    FOR EACH ROW EXECUTE FUNCTION contracts_refuse_frozen_version();""",
]
PG_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};" for table in TABLES],
    "DROP TRIGGER IF EXISTS contracts_contractversion_frozen ON contracts_contractversion;",
    "DROP FUNCTION IF EXISTS contracts_refuse_frozen_row();",
    "DROP FUNCTION IF EXISTS contracts_refuse_frozen_version();",
]


def install_guard(apps, schema_editor):
    statements = {"sqlite": SQLITE_UP, "postgresql": PG_UP}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def remove_guard(apps, schema_editor):
    statements = {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


DEPARTMENTS = [
    ("Legal (法务)", "legal", 10),
    ("Finance (财经)", "finance", 10),
    ("Delivery (交付)", "delivery_manager", 20),
    ("Contract management (合同管理)", "contract_manager", 30),
]


def add_departments(apps, schema_editor):
    department = apps.get_model("contracts", "CountersignDepartment")
    for name, role, sequence in DEPARTMENTS:
        department.objects.get_or_create(name=name, defaults={"role": role, "sequence": sequence})


def remove_departments(apps, schema_editor):
    department = apps.get_model("contracts", "CountersignDepartment")
    department.objects.filter(name__in=[d[0] for d in DEPARTMENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]

    operations = [
        migrations.RunPython(install_guard, remove_guard),
        migrations.RunPython(add_departments, remove_departments),
    ]
