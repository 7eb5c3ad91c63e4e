"""Default assessment settings: grading factors and bands (ltc-domain §5.1), grade thresholds
with required team roles and review depth, success-probability factors (§5.3), payment-ability
factors (§5.4) and the ten evaluation criteria (§5.2). Values are copied here so later code
changes do not alter what this migration wrote; admins edit the rows afterwards."""

from decimal import Decimal

from django.db import migrations

M = Decimal(1_000_000)

# code, kind, weight, order, bands [(match, min_value, points, min_grade)]
FACTORS = [
    ("value", "grading", 30, 10, [("", 0, 20, ""), ("", 5 * M, 50, ""), ("", 20 * M, 80, ""), ("", 50 * M, 100, "")]),
    ("strategic", "grading", 15, 20, [("yes", None, 100, "A"), ("no", None, 0, "")]),
    ("customer_tier", "grading", 15, 30, [("vip", None, 100, ""), ("key", None, 70, ""), ("standard", None, 40, ""), ("small", None, 10, "")]),
    ("competition", "grading", 10, 40, [("low", None, 20, ""), ("medium", None, 50, ""), ("high", None, 90, "")]),
    ("complexity", "grading", 10, 50, [("low", None, 20, ""), ("medium", None, 50, ""), ("high", None, 90, "")]),
    ("margin", "grading", 10, 60, [("", -100, 90, ""), ("", 10, 60, ""), ("", 25, 30, ""), ("", 40, 10, "")]),
    ("payment_risk", "grading", 10, 70, [("low", None, 10, ""), ("medium", None, 50, ""), ("high", None, 90, "")]),
    ("coverage", "success", 35, 10, [("", 0, 0, ""), ("", 30, 35, ""), ("", 60, 70, ""), ("", 100, 100, "")]),
    ("coach", "success", 15, 20, [("yes", None, 100, ""), ("no", None, 0, "")]),
    ("solution_preference", "success", 20, 30, [("ours", None, 100, ""), ("neutral", None, 50, ""), ("competitor", None, 0, "")]),
    ("price_position", "success", 15, 40, [("lower", None, 90, ""), ("similar", None, 60, ""), ("higher", None, 20, "")]),
    ("competitor_status", "success", 15, 50, [("none", None, 100, ""), ("weak", None, 70, ""), ("strong", None, 30, ""), ("incumbent", None, 10, "")]),
    ("credit_rating", "payment", 40, 10, [("AAA", None, 100, ""), ("AA", None, 90, ""), ("A", None, 80, ""), ("BBB", None, 65, ""), ("BB", None, 45, ""), ("B", None, 25, ""), ("C", None, 5, "")]),
    ("credit_limit", "payment", 20, 20, [("", 0, 0, ""), ("", 50, 40, ""), ("", 100, 80, ""), ("", 200, 100, "")]),
    ("payment_history", "payment", 20, 30, [("good", None, 100, ""), ("late", None, 50, ""), ("bad", None, 0, "")]),
    ("country_risk", "payment", 20, 40, [("1", None, 100, ""), ("2", None, 80, ""), ("3", None, 55, ""), ("4", None, 30, ""), ("5", None, 10, "")]),
]

FULL_REVIEW = ["finance", "legal", "delivery", "supply_chain", "credit"]
# grade, from score, required roles besides the iron triangle, review depth, reviews by gate, description
GRADES = [
    ("A", 65, ["project_executive", "project_leader", "project_finance"], "full", {"ATB": FULL_REVIEW, "ATC": FULL_REVIEW}, "Important project (重要项目): full extended team, every functional review."),
    ("B", 40, ["project_leader"], "standard", {}, "Standard project: project leader besides the iron triangle; the gates' default reviews."),
    ("C", 0, [], "light", {}, "General project (一般项目): the iron triangle; the gates' default reviews."),
]

# code, name, side, guidance, weight, order
CRITERIA = [
    ("application", "客户的应用或项目 Customer's application / project", "customer", "Is there a real, defined project? Scope clarity.", 10, 10),
    ("business", "客户的业务 Customer's business", "customer", "Health and growth of the customer's business; fit with our solution.", 10, 20),
    ("financial", "客户的财务状况 Customer's financial status", "customer", "Ability to pay (see the payment-ability score).", 10, 30),
    ("budget", "项目的预算 Project budget", "customer", "Budget approved? Amount against our price.", 10, 40),
    ("urgency", "项目对客户的紧迫性 Urgency for the customer", "customer", "Compelling event, deadline.", 10, 50),
    ("short_term_revenue", "我们短期销售收入 Our short-term revenue", "ours", "Revenue in the current period.", 10, 60),
    ("future_revenue", "我们未来销售收入 Our future revenue", "ours", "Follow-on business, expansion, services.", 10, 70),
    ("profit", "我们的利润 Our profit", "ours", "Expected gross margin (from the estimate 概算).", 10, 80),
    ("risk", "我们的风险 Our risk (5 = low risk)", "ours", "Technical, delivery, commercial, legal, payment risk; score inversely.", 10, 90),
    ("strategic_value", "对我们扩充市场的战略价值 Strategic value for market expansion", "ours", "New segment or region, reference value.", 10, 100),
]


def create_defaults(apps, schema_editor):
    ScoringFactor = apps.get_model("opportunities", "ScoringFactor")
    ScoringBand = apps.get_model("opportunities", "ScoringBand")
    GradeSetting = apps.get_model("opportunities", "GradeSetting")
    EvaluationCriterion = apps.get_model("opportunities", "EvaluationCriterion")
    for code, kind, weight, order, bands in FACTORS:
        factor, created = ScoringFactor.objects.get_or_create(
            code=code, defaults={"kind": kind, "weight": weight, "order": order}
        )
        if created:
            for match, min_value, points, min_grade in bands:
                ScoringBand.objects.create(
                    factor=factor, match=match, min_value=min_value, points=points, min_grade=min_grade
                )
    for grade, min_score, roles, depth, reviews, description in GRADES:
        GradeSetting.objects.get_or_create(
            grade=grade,
            defaults={
                "min_score": min_score,
                "required_roles": roles,
                "review_depth": depth,
                "reviews_by_gate": reviews,
                "description": description,
            },
        )
    for code, name, group, guidance, weight, order in CRITERIA:
        EvaluationCriterion.objects.get_or_create(
            code=code,
            defaults={"name": name, "group": group, "guidance": guidance, "weight": weight, "order": order},
        )


def remove_defaults(apps, schema_editor):
    # Rows may have been edited by admins; reversing leaves them in place.
    pass


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0004_grading_evaluation_initiation")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
