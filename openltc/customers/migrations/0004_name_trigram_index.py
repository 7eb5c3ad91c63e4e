"""A trigram index on the customer's name for the lead list's search (PostgreSQL only; nothing
on SQLite): the list matches ``customer_id IN (customers whose UPPER(name) LIKE '%q%')``."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customers_customer_name_trgm ON customers_customer "
        "USING gin ((UPPER(name::text)) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS customers_customer_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_default_config_lists")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
