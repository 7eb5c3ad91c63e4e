"""The A grade's default required roles become project executive and project leader; project
finance stays optional (rows an admin already changed are left alone)."""

from django.db import migrations

OLD = ["project_executive", "project_leader", "project_finance"]
NEW = ["project_executive", "project_leader"]


def forwards(apps, schema_editor):
    GradeSetting = apps.get_model("opportunities", "GradeSetting")
    for row in GradeSetting.objects.filter(grade="A"):
        if row.required_roles == OLD:
            row.required_roles = NEW
            row.save(update_fields=["required_roles"])


def backwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0005_default_assessment_settings")]

    operations = [migrations.RunPython(forwards, backwards)]
