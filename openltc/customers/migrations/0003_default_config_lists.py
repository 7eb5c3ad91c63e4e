"""Default configuration lists; admins may rename, reorder, add or deactivate entries."""

from django.db import migrations

TIERS = [
    ("vip", "VIP (重要客户)", 10),
    ("key", "Key (重点客户)", 20),
    ("standard", "Standard (一般客户)", 30),
    ("small", "Small (小客户)", 40),
]
RATINGS = [
    ("AAA", "AAA", 10),
    ("AA", "AA", 20),
    ("A", "A", 30),
    ("BBB", "BBB", 40),
    ("BB", "BB", 50),
    ("B", "B", 60),
    ("C", "C", 70),
]
PERSONALITIES = [
    ("dominant", "Dominant (力量型)", 10),
    ("influential", "Influential (活泼型)", 20),
    ("steady", "Steady (和平型)", 30),
    ("conscientious", "Conscientious (完美型)", 40),
]
STAGES = [
    ("unknown", "Not yet met (未接触)", 10),
    ("acquainted", "Acquainted (认识)", 20),
    ("trusted", "Trusted (信任)", 30),
    ("supporter", "Supporter (支持)", 40),
    ("partner", "Partner (同盟)", 50),
]


def seed(apps, schema_editor):
    for model_name, rows in (
        ("CustomerTier", TIERS),
        ("CreditRating", RATINGS),
        ("PersonalityType", PERSONALITIES),
        ("RelationshipStage", STAGES),
    ):
        model = apps.get_model("customers", model_name)
        for code, name, rank in rows:
            model.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_contact_normalized_name")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
