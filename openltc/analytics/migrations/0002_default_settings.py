"""The one row of report settings with the proposed defaults; admins edit it."""

from django.db import migrations


def create(apps, schema_editor):
    AnalyticsSettings = apps.get_model("analytics", "AnalyticsSettings")
    if not AnalyticsSettings.objects.exists():
        AnalyticsSettings.objects.create()


def remove(apps, schema_editor):
    apps.get_model("analytics", "AnalyticsSettings").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
