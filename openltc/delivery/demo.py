"""Demo delivery projects: one per signed/executing contract of the demo, with a team, an
integrated plan across streams (delivery milestones linked to the payment milestones), risks,
three-point estimates, costs in the four stages, a review, a meeting and some accepted milestones.

So that delivery has something to deliver, this builder drafts one contract per FR's office
through the contracts service and takes it through review, the ATC decision, countersign, seal,
archive and the receipt check with the contracts demo's script (no shortcut past a gate). Every
delivery record goes through the services.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from openltc.core.demo import SEED
from openltc.core.errors import DomainError
from openltc.delivery import services
from openltc.delivery.models import DeliveryProject

DEMO_TITLE = "交付演示：城域网改造 Metro network renewal (delivery demo)"
PAIRS = [("sh.ar", "sh.fr"), ("gz.ar", "gz.fr")]
ESTIMATORS = {"sh.fr": ("sh.manager", "east.vp"), "gz.fr": ("gz.manager", "south.vp")}
PLAN = [
    # (stream, kind, name, start offset, days, payment milestone position or None, progress)
    ("procurement", "task", "设备采购 Equipment procurement", -60, 20, None, 100),
    ("production", "task", "设备生产 Manufacturing", -45, 20, None, 100),
    ("logistics", "milestone", "到货 Delivery to site", -20, 1, 1, 100),
    ("engineering", "task", "安装调测 Installation and commissioning", -18, 30, None, 60),
    ("engineering", "milestone", "初验 Preliminary acceptance", 14, 1, 2, 0),
    ("finance", "task", "开票回款 Invoicing and collection", 15, 30, None, 0),
    ("engineering", "milestone", "终验 Final acceptance", 120, 1, 3, 0),
]


def _user(username: str) -> Any:
    from openltc.org.models import User

    return User.objects.filter(username=username, is_active=True).first()


def _signed_contract(owner: Any, rng: random.Random) -> Any:
    from openltc.contracts import services as contracts
    from openltc.contracts.models import Contract
    from openltc.customers.models import Customer

    customer = Customer.objects.filter(owner=owner, merged_into__isnull=True).order_by("name").first()
    if customer is None:
        return None
    contract = contracts.contract_create(
        actor=owner,
        data={
            "title": DEMO_TITLE,
            "customer": customer,
            "signing_entity": "开放网络科技有限公司 OpenLTC Networks Co., Ltd.",
            "currency": "CNY",
            "org_unit": owner.home_unit or customer.org_unit,
            "owner": owner,
            "contract_manager": _user("contracts") or owner,
            "delivery_obligations": "分批到货、安装调测、初验、终验 Staged delivery, installation, PAC, FAC.",
        },
        lines=[
            {
                "kind": "product",
                "description": "城域路由器 Metro router",
                "quantity": "4",
                "unit": "set",
                "unit_price": str(rng.randrange(200, 400) * 1000),
                "tax_rate": "13",
            },
            {
                "kind": "service",
                "description": "工程服务 Engineering services",
                "quantity": "1",
                "unit": "lot",
                "unit_price": "180000",
                "tax_rate": "6",
            },
        ],
        milestones=[
            {
                "kind": "shipment",
                "name": "到货款 On delivery",
                "percentage": "30",
                "trigger_event": "shipment",
                "due_days": 30,
            },
            {
                "kind": "preliminary_acceptance",
                "name": "初验款 PAC",
                "percentage": "60",
                "trigger_event": "preliminary_acceptance",
                "due_days": 45,
            },
            {
                "kind": "final_acceptance",
                "name": "终验款 FAC",
                "percentage": "10",
                "trigger_event": "final_acceptance",
                "due_days": 60,
            },
        ],
    )
    # Signed through the real chain (contract review, ATC decision, countersign, seal, archive,
    # receipt check), as the contracts demo does, so `openltc check-integrity` holds on the demo.
    from openltc.contracts.demo import _execute

    reviewers = {
        "legal": _user("legal"),
        "finance": _user("finance"),
        "credit": _user("finance"),
        "delivery": _user("delivery"),
    }
    if not all(reviewers.values()):
        return None
    try:
        with transaction.atomic():
            return _execute(Contract.objects.get(pk=contract.pk), reviewers)
    except DomainError:
        return None


def _project(contract: Any, owner: Any, fr: Any, rng: random.Random) -> DeliveryProject:
    today = timezone.localdate()
    start = today - datetime.timedelta(days=60)
    project = services.project_create(
        actor=owner,
        contract=contract,
        fr=fr,
        planned_start=start,
        planned_finish=today + datetime.timedelta(days=121),
    )
    for username, role in (("delivery", "project_manager"),):
        person = _user(username)
        if person is not None:
            services.member_add(actor=owner, project=project, user=person, role=role)
    lines = {line.milestone.position: line for line in contract.receivable_plan.select_related("milestone")}
    previous = None
    items = []
    for stream, kind, name, offset, days, position, _progress in PLAN:
        begin = today + datetime.timedelta(days=offset)
        item = services.item_create(
            actor=fr,
            project=project,
            data={
                "stream": stream,
                "kind": kind,
                "name": name,
                "owner": fr if kind == "milestone" else owner if stream == "finance" else fr,
                "planned_start": begin,
                "planned_finish": begin + datetime.timedelta(days=days),
                "plan_line": lines.get(position) if position else None,
                "planned_value": Decimal(rng.randrange(20, 120) * 1000) if kind == "task" else Decimal("0"),
            },
            depends_on=[previous] if previous is not None else [],
        )
        if kind == "task":
            o = Decimal(max(days - 5, 1))
            services.item_estimate(
                actor=fr, item=item, optimistic=o, most_likely=Decimal(days), pessimistic=Decimal(days + 12)
            )
        items.append(item)
        previous = item
    services.risk_create(
        actor=fr,
        project=project,
        data={
            "title": "客户机房延期 Customer site not ready",
            "category": "customer",
            "probability": 3,
            "impact": 4,
            "owner": fr,
            "response": "mitigate",
            "trigger": "机房验收推迟 Site acceptance slips",
            "response_plan": "每周与客户确认进度 Weekly site check with the customer",
        },
    )
    services.risk_create(
        actor=fr,
        project=project,
        data={
            "title": "关键器件缺货 Key component shortage",
            "category": "supplier",
            "probability": 2,
            "impact": 5,
            "owner": fr,
            "response": "transfer",
            "trigger": "供应商交期超过 8 周 Lead time over 8 weeks",
        },
    )
    for stage, factor in (
        ("estimate", Decimal("1.00")),
        ("budget", Decimal("0.95")),
        ("actual", Decimal("0.55")),
    ):
        for category, base in (("equipment", 600000), ("labour", 150000), ("logistics", 30000)):
            services.cost_record(
                actor=fr,
                project=project,
                data={
                    "stage": stage,
                    "category": category,
                    "amount": (Decimal(base) * factor).quantize(Decimal("0.01")),
                    "entry_date": today - datetime.timedelta(days=30),
                    "description": "",
                },
            )
    services.cost_record(
        actor=fr,
        project=project,
        data={
            "stage": "actual",
            "category": "labour",
            "quality_cost": "appraisal",
            "amount": Decimal("12000.00"),
            "entry_date": today - datetime.timedelta(days=5),
            "description": "出厂检验 Factory inspection",
        },
    )
    services.project_start(actor=fr, project=project)
    services.acceptance_record(
        actor=owner,
        item=items[2],
        accepted_on=today - datetime.timedelta(days=19),
        certificate_reference="DA-2026-001",
        evidence=ContentFile(b"%PDF-1.4 demo acceptance certificate\n", name="到货签收单.pdf"),
        notes="客户签收 Signed by the customer on site",
    )
    review = services.review_create(
        actor=fr,
        project=project,
        kind="technical",
        title="安装方案评审 Installation plan review",
        review_date=today - datetime.timedelta(days=25),
        checklist=["割接方案 Cut-over plan", "回退方案 Fall-back plan", "安全措施 Safety measures"],
    )
    services.finding_add(
        actor=fr,
        review=review,
        description="补充回退演练 Rehearse the fall-back",
        severity="major",
        owner=fr,
        due=today + datetime.timedelta(days=7),
    )
    services.review_conclude(
        actor=fr,
        review=review,
        conclusion="conditional",
        notes="补充回退演练后实施 Go after the fall-back rehearsal",
        passed_items=[0, 2],
    )
    services.meeting_record(
        actor=fr,
        project=project,
        kind="regular",
        title="项目周例会 Weekly project meeting",
        held_on=today - datetime.timedelta(days=3),
        minutes="安装进度 60%，初验准备中 Installation 60% done; preparing PAC.",
        actions=[
            {
                "description": "提交初验申请 Submit the PAC request",
                "owner": fr,
                "due": today - datetime.timedelta(days=1),
            }
        ],
    )
    names = ESTIMATORS.get(fr.username, ())
    estimators = [p for p in (owner, *(_user(n) for n in names)) if p is not None]
    if len(estimators) >= 3:
        for person in estimators:
            if not project.team.filter(user=person).exists():
                services.member_add(actor=owner, project=project, user=person, role="member")
        session = services.delphi_start(
            actor=fr,
            project=project,
            topic="初验准备工作量 PAC preparation effort",
            estimators=estimators,
            item=items[4],
        )
        for person, value in zip(estimators, (12, 20, 15), strict=False):
            services.delphi_estimate(actor=person, session=session, value=Decimal(value))
    services.worklog_add(
        actor=fr,
        project=project,
        day=today - datetime.timedelta(days=1),
        hours=Decimal("6"),
        note="机柜安装 Rack installation",
        item=items[3],
    )
    return project


@transaction.atomic
def build(*, stdout: Any = None) -> None:
    from openltc.contracts.models import Contract

    if Contract.objects.filter(title=DEMO_TITLE).exists():
        return
    rng = random.Random(SEED + 70)
    made = 0
    for ar_name, fr_name in PAIRS:
        owner, fr = _user(ar_name), _user(fr_name)
        if owner is None or fr is None:
            continue
        contract = _signed_contract(owner, rng)
        if contract is None:
            continue
        _project(contract, owner, fr, rng)
        made += 1
    if stdout is not None:
        stdout.write(
            f"demo: {made} delivery projects"
            if made
            else "demo: delivery skipped (no demo users or customers)"
        )
