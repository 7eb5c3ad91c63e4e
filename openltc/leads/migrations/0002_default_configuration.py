"""Default configuration of the lead phase: the scorecard, the five nurturing criteria (§4.5) and
the SLA settings. Admins edit all of them afterwards; re-running creates nothing twice."""

from django.db import migrations

CRITERIA = [
    (
        "pain_confirmed",
        "Pain / expectation confirmed by a decision-relevant person at the customer",
        "客户痛点/期望已由客户决策相关人员确认",
    ),
    (
        "solution_agreed",
        "Solution concept agreed with the customer and differentiated in our favour",
        "解决构想已与客户达成一致，并形成对我方有利的差异化",
    ),
    (
        "key_persons_mapped",
        "Key persons identified (decision chain mapped, stance known) and a coach in place",
        "关键人已识别（决策链已梳理、立场已知），并已发展教练",
    ),
    (
        "budget_and_timing",
        "Customer investment plan, budget and timing confirmed (customer project planned or set up)",
        "客户投资计划、预算和时间已确认（客户已规划或已立项）",
    ),
    (
        "capability_checked",
        "Our capability to deliver and the commercial attractiveness checked (go / no-go for ATI)",
        "已核实我方交付能力与商业吸引力（是否申请立项 ATI）",
    ),
]

RULES = [
    ("maturity", "hot", 30),
    ("maturity", "warm", 15),
    ("strategic_fit", "", 20),
    ("existing_customer", "", 10),
    ("estimated_value", "1000000", 10),
    ("estimated_value", "10000000", 10),
    ("source", "referral", 10),
    ("source", "tender_notice", 10),
    ("contact_known", "", 5),
    ("element_confirmed", "pain", 5),
    ("element_confirmed", "budget", 10),
]


def create_defaults(apps, schema_editor):
    NurturingCriterion = apps.get_model("leads", "NurturingCriterion")
    LeadScoringRule = apps.get_model("leads", "LeadScoringRule")
    LeadSettings = apps.get_model("leads", "LeadSettings")
    for order, (code, text_en, text_zh) in enumerate(CRITERIA, start=1):
        NurturingCriterion.objects.get_or_create(
            code=code, defaults={"order": order, "text_en": text_en, "text_zh": text_zh}
        )
    if not LeadScoringRule.objects.exists():
        for order, (factor, value, points) in enumerate(RULES, start=1):
            LeadScoringRule.objects.create(factor=factor, value=value, points=points, order=order)
    LeadSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
