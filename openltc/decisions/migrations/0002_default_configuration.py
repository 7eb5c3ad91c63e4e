"""Default configuration of the decision engine (admin-editable afterwards): gate settings
(SLA days, required reviews), the delegation matrix, the material checklist and exchange rates.
Amounts are in the reporting currency (CNY by default)."""

from decimal import Decimal

from django.db import migrations

M = Decimal("1000000")
OFFICE, REGION, COMPANY = 1, 2, 3

GATE_SETTINGS = [
    # gate, sla_days, review_type, required functions
    ("ATI", 5, "", []),
    ("ATB", 5, "bid", ["finance", "legal", "delivery"]),
    ("ATC", 5, "contract", ["finance", "legal", "delivery"]),
    ("ATAC", 5, "change", ["finance", "delivery"]),
    ("ATCC", 10, "closure", ["finance"]),
]

# gate, grade, amount_max, margin_min, payment_risk, level, order, note
RULES = [
    ("ATI", "C", 10 * M, None, None, OFFICE, 10, "C-grade up to 10M: office SDT"),
    ("ATI", "C", 50 * M, None, None, REGION, 20, "C-grade up to 50M: region SDT"),
    ("ATI", "B", 50 * M, None, None, REGION, 30, "B-grade up to 50M: region SDT"),
    ("ATI", None, None, None, None, COMPANY, 900, "Everything else (A-grade, large): company SDT"),
    ("ATB", "C", 10 * M, None, None, OFFICE, 10, "C-grade up to 10M: office SDT"),
    ("ATB", "C", 50 * M, None, None, REGION, 20, "C-grade up to 50M: region SDT"),
    ("ATB", "B", 50 * M, None, None, REGION, 30, "B-grade up to 50M: region SDT"),
    ("ATB", None, None, None, None, COMPANY, 900, "Everything else: company SDT"),
    ("ATC", "C", 10 * M, None, None, OFFICE, 10, "C-grade up to 10M: office SDT"),
    ("ATC", None, 10 * M, Decimal("25"), "low", OFFICE, 15, "Up to 10M with margin ≥ 25% and low payment risk: office SDT"),
    ("ATC", "C", 50 * M, None, None, REGION, 20, "C-grade up to 50M: region SDT"),
    ("ATC", "B", 50 * M, None, None, REGION, 30, "B-grade up to 50M: region SDT"),
    ("ATC", None, None, None, None, COMPANY, 900, "Everything else: company SDT"),
    ("ATAC", None, 1 * M, Decimal("15"), "medium", OFFICE, 10, "Change up to 1M, margin ≥ 15%, payment risk ≤ medium: office SDT"),
    ("ATAC", None, 10 * M, Decimal("10"), None, REGION, 20, "Change up to 10M, margin ≥ 10%: region SDT"),
    ("ATAC", None, None, None, None, COMPANY, 900, "Everything else: company SDT"),
    ("ATCC", None, None, None, None, OFFICE, 10, "Closure: office SDT"),
]

# gate, grade, label, help, required, needs_attachment, order
REQUIREMENTS = [
    ("ATI", None, "Initiation application (立项申请)", "Why pursue it: customer need, our value, strategic fit.", True, False, 10),
    ("ATI", None, "Evaluation on the ten criteria (机会点评估)", "Scores and notes per criterion; attractiveness score.", True, False, 20),
    ("ATI", None, "Success probability and its factors (成功概率)", "Relationship coverage, coach, solution preference, price, competitors.", True, False, 30),
    ("ATI", None, "Customer payment ability (客户付款能力)", "Credit rating, limit, payment history, country risk.", True, False, 40),
    ("ATI", None, "Competitive situation (竞争态势)", "", True, False, 50),
    ("ATI", None, "Resource request (资源需求)", "People, budget and support asked for.", False, False, 60),
    ("ATI", "A", "Project charter (项目章程)", "Goals, scope, milestones, resources, risks.", True, True, 70),
    ("ATI", "A", "Extended team appointment (项目组任命)", "Project executive, leader and extended roles.", True, False, 80),
    ("ATB", None, "Bid document after bid review (投标文件)", "The document as reviewed.", True, True, 10),
    ("ATB", None, "Estimated cost and margin (概算)", "", True, False, 20),
    ("ATB", None, "Price floor and concession room (报价策略)", "", True, False, 30),
    ("ATB", None, "Risk list (风险清单)", "", True, False, 40),
    ("ATB", None, "Customer decision-chain status (决策链状态)", "", False, False, 50),
    ("ATC", None, "Final contract text after contract review (合同文本)", "", True, True, 10),
    ("ATC", None, "Negotiation concessions (谈判让步)", "What we gave and what we got.", True, False, 20),
    ("ATC", None, "Updated estimate (更新概算)", "", True, False, 30),
    ("ATC", None, "Payment terms and milestones (付款条款与里程碑)", "", True, False, 40),
    ("ATC", None, "Risk register (风险登记)", "", True, False, 50),
    ("ATAC", None, "Change-plan review result (变更方案评审结果)", "", True, False, 10),
    ("ATAC", None, "Impact on scope, price, cost, schedule and cash (变更影响)", "", True, False, 20),
    ("ATCC", None, "Delivery and acceptance evidence (交付验收证据)", "", True, True, 10),
    ("ATCC", None, "Invoicing and collection status (开票回款状态)", "", True, False, 20),
    ("ATCC", None, "Open risks and disputes (未关闭风险与争议)", "", True, False, 30),
    ("ATCC", None, "Project summary (项目总结)", "", True, False, 40),
]

RATES = [("USD", "7.100000"), ("EUR", "7.750000"), ("GBP", "9.000000"), ("HKD", "0.910000"), ("JPY", "0.048000")]


def load(apps, schema_editor):
    GateSetting = apps.get_model("decisions", "GateSetting")
    DelegationRule = apps.get_model("decisions", "DelegationRule")
    GateRequirement = apps.get_model("decisions", "GateRequirement")
    ExchangeRate = apps.get_model("decisions", "ExchangeRate")
    for gate, days, review, functions in GATE_SETTINGS:
        GateSetting.objects.update_or_create(
            gate=gate, defaults={"sla_days": days, "review_type": review, "required_reviews": functions}
        )
    if not DelegationRule.objects.exists():
        for gate, grade, amount_max, margin_min, risk, level, order, note in RULES:
            DelegationRule.objects.create(
                gate=gate,
                grade=grade,
                amount_max=amount_max,
                margin_min=margin_min,
                payment_risk=risk,
                level=level,
                order=order,
                note=note,
            )
    if not GateRequirement.objects.exists():
        for gate, grade, label, help_text, required, attachment, order in REQUIREMENTS:
            GateRequirement.objects.create(
                gate=gate,
                grade=grade,
                label=label,
                help_text=help_text,
                is_required=required,
                needs_attachment=attachment,
                order=order,
            )
    for currency, rate in RATES:
        ExchangeRate.objects.get_or_create(currency=currency, defaults={"rate": Decimal(rate)})


def unload(apps, schema_editor):
    for name in ("GateSetting", "DelegationRule", "GateRequirement", "ExchangeRate"):
        apps.get_model("decisions", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
