"""Default stage settings (ltc-domain §3.2). Values are copied here so later code changes do not
alter what this migration wrote; admins edit the rows afterwards."""

from django.db import migrations

DEFAULTS = [
    # stage, order, default probability, forecast category, band, norm days, is open
    ("validating", 10, 10, "pipeline", 10, 30, True),
    ("initiated", 20, 20, "pipeline", 10, 21, True),
    ("guiding", 30, 25, "pipeline", 10, 60, True),
    ("bidding", 40, 50, "best_case", 10, 45, True),
    ("negotiating", 50, 75, "commit", 10, 30, True),
    ("won", 60, 100, "closed", 0, None, False),
    ("lost", 70, 0, "omitted", 0, None, False),
    ("abandoned", 80, 0, "omitted", 0, None, False),
]


def create_defaults(apps, schema_editor):
    StageSetting = apps.get_model("opportunities", "StageSetting")
    for stage, order, probability, category, band, norm_days, is_open in DEFAULTS:
        StageSetting.objects.get_or_create(
            stage=stage,
            defaults={
                "order": order,
                "default_probability": probability,
                "default_forecast_category": category,
                "probability_band": band,
                "norm_days": norm_days,
                "is_open": is_open,
            },
        )


def remove_defaults(apps, schema_editor):
    # Rows may have been edited by admins; reversing leaves them in place.
    pass


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
