"""Default delivery configuration: accepted evidence file types and the Delphi convergence
threshold. Values are copied here so later code changes do not alter what this migration wrote;
admins edit the rows afterwards."""

from decimal import Decimal

from django.db import migrations

EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "docx", "xlsx", "ofd", "zip"]
SETTINGS = [
    (
        "delphi_convergence_pct",
        Decimal("15"),
        "Wideband Delphi: a round has converged when (high − low) / mean is at most this percentage.",
    ),
]


def create_defaults(apps, schema_editor):
    EvidenceFileType = apps.get_model("delivery", "EvidenceFileType")
    DeliverySetting = apps.get_model("delivery", "DeliverySetting")
    for extension in EXTENSIONS:
        EvidenceFileType.objects.get_or_create(extension=extension)
    for key, value, description in SETTINGS:
        DeliverySetting.objects.get_or_create(key=key, defaults={"value": value, "description": description})


def remove_defaults(apps, schema_editor):
    # Rows may have been edited by admins; reversing leaves them in place.
    pass


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
