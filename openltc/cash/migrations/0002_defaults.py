"""Default cash settings (ltc-domain §12): the aging buckets, one issuing entity and the cash
policy. Values are copied here so later code changes do not alter what this migration wrote;
admins edit the rows afterwards."""

from decimal import Decimal

from django.db import migrations

BUCKETS = [
    # position, label, from days past due, to days past due
    (10, "Not due", None, 0),
    (20, "1–30", 1, 30),
    (30, "31–60", 31, 60),
    (40, "61–90", 61, 90),
    (50, "91–180", 91, 180),
    (60, "181–365", 181, 365),
    (70, ">365", 366, None),
]


def create_defaults(apps, schema_editor):
    AgingBucket = apps.get_model("cash", "AgingBucket")
    IssuingEntity = apps.get_model("cash", "IssuingEntity")
    CashPolicy = apps.get_model("cash", "CashPolicy")
    for position, label, low, high in BUCKETS:
        AgingBucket.objects.get_or_create(
            position=position, defaults={"label": label, "min_days": low, "max_days": high}
        )
    IssuingEntity.objects.get_or_create(
        code="HQ",
        defaults={
            "name": "开放网络科技有限公司 OpenLTC Networks Co., Ltd.",
            "number_prefix": "INV",
            "default_tax_rate": Decimal("13.00"),
        },
    )
    if not CashPolicy.objects.exists():
        CashPolicy.objects.create(write_off_limit=Decimal("100000.00"), dso_period_days=90, alert_every_days=7)


def remove_defaults(apps, schema_editor):
    # Rows may have been edited by admins; reversing leaves them in place.
    pass


class Migration(migrations.Migration):
    dependencies = [("cash", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
