"""An FTS5 trigram index for the lead list's text search (SQLite only; nothing on PostgreSQL,
where leads 0005 serves it).

An external-content FTS5 table ``leads_lead_fts`` over the title, company, contact name, phone
and e-mail of ``leads_lead`` (keyed by its rowid), triggers keeping it in step on insert, update
and delete, and the existing leads indexed. See ``openltc.leads.search``.
"""

from django.db import migrations

from openltc.leads.search import drop_sqlite_fts, install_sqlite_fts


def forwards(apps, schema_editor):
    install_sqlite_fts(schema_editor.connection)


def backwards(apps, schema_editor):
    drop_sqlite_fts(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("leads", "0005_search_trigram_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
