"""Trigram indexes for the lead list's text search (PostgreSQL only; nothing on SQLite).

The list searches ``icontains`` over title, company, contact name, phone and email (and the
customer's name, through ``customers.0004``); Django writes that as ``UPPER(col::text) LIKE
UPPER('%q%')``, which a GIN index with ``gin_trgm_ops`` on the same expression serves, each
column's index combined by a BitmapOr. Patterns shorter than three characters still scan.
"""

from django.db import migrations

COLUMNS = ("title", "company_name", "contact_name", "contact_phone", "contact_email")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS leads_lead_{column}_trgm ON leads_lead "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS leads_lead_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_lead_lower_key_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
