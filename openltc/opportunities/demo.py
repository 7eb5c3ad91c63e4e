"""Demo opportunities for the demo customers: most in "validating", some lost or abandoned.

Stages beyond "validating" need gate decisions, which the decision engine will create; until then
the demo leaves them empty rather than forcing a stage past a gate.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from openltc.core.demo import SEED
from openltc.core.errors import DomainError
from openltc.opportunities import services
from openltc.opportunities.choices import LossReason, TeamRole
from openltc.opportunities.models import Opportunity

TITLES = [
    "5G 核心网扩容 5G core expansion",
    "数据中心网络升级 Data-centre network upgrade",
    "私有云平台一期 Private cloud phase 1",
    "智慧园区网络 Smart campus network",
    "储能电站 Energy storage plant",
    "骨干网光传输 Backbone optical transport",
    "灾备中心建设 Disaster-recovery centre",
    "企业 Wi-Fi 6 覆盖 Enterprise Wi-Fi 6",
    "边缘计算节点 Edge computing nodes",
    "运维服务外包 Managed O&M services",
    "光伏逆变器采购 PV inverter purchase",
    "安全态势感知平台 Security situational awareness",
    "分支机构 SD-WAN Branch SD-WAN",
    "存储扩容 Storage expansion",
    "视频会议系统 Video conferencing",
]
COMPETITORS = ["Competitor A 甲公司", "Competitor B 乙公司", "Competitor C 丙公司"]
LOST = {2: (LossReason.PRICE, "Competitor A 甲公司"), 7: (LossReason.RELATIONSHIP, "Competitor B 乙公司")}
ABANDONED = {5: LossReason.LOW_VALUE, 11: LossReason.PAYMENT_RISK}


def _team_for(owner: Any) -> list[tuple[Any, str]]:
    from openltc.org.models import RoleAssignment
    from openltc.org.roles import Role

    if not owner.home_unit_id:
        return []
    people: list[tuple[Any, str]] = []
    for ra in RoleAssignment.objects.filter(
        org_unit_id=owner.home_unit_id, role__in=[Role.SOLUTION, Role.FULFILMENT]
    ).select_related("user"):
        people.append((ra.user, TeamRole.SR if ra.role == Role.SOLUTION else TeamRole.FR))
    return people


@transaction.atomic
def build(*, stdout: Any = None) -> None:
    _build_opportunities(stdout)
    _assess(stdout)


def _build_opportunities(stdout: Any) -> None:
    from openltc.customers.models import Customer
    from openltc.org.models import ProductLine

    if Opportunity.objects.filter(title__in=TITLES).exists():
        return
    customers = list(
        Customer.objects.filter(merged_into__isnull=True, owner__isnull=False, owner__is_active=True)
        .select_related("owner", "org_unit")
        .order_by("name", "pk")
    )
    if not customers:
        if stdout is not None:
            stdout.write("demo: opportunities skipped (no demo customers)")
        return
    rng = random.Random(SEED + 40)
    lines = list(ProductLine.objects.filter(is_active=True).order_by("code"))
    today = timezone.localdate()
    for index, title in enumerate(TITLES):
        customer = customers[index % len(customers)]
        owner = customer.owner
        org_unit = owner.home_unit or customer.org_unit
        if org_unit is None:
            continue
        opportunity = services.opportunity_create(
            actor=owner,
            customer=customer,
            title=title,
            amount=Decimal(rng.randrange(20, 900)) * Decimal(10000),
            currency="CNY" if index % 5 else "USD",
            owner=owner,
            org_unit=org_unit,
            expected_close_date=today + datetime.timedelta(days=rng.randrange(-20, 240)),
            product_lines=rng.sample(lines, k=min(len(lines), 1 + index % 2)) if lines else (),
            competitors=rng.sample(COMPETITORS, k=1 + index % 3),
        )
        if index % 3 == 0:
            for person, role in _team_for(owner):
                services.team_member_add(actor=owner, opportunity=opportunity, user=person, role=role)
        if index in LOST:
            reason, competitor = LOST[index]
            services.opportunity_close_lost(
                actor=owner,
                opportunity=opportunity,
                reason_code=reason,
                competitor=competitor,
                note="Demo: lost in the customer's evaluation. 演示：客户评估中落选。",
            )
        elif index in ABANDONED:
            services.opportunity_abandon(
                actor=owner,
                opportunity=opportunity,
                reason_code=ABANDONED[index],
                note="Demo: not worth pursuing. 演示：不值得继续投入。",
            )
    if stdout is not None:
        stdout.write(f"demo: {len(TITLES)} opportunities")


# Grading inputs per demo index (cycled): margin %, payment risk, competition, complexity,
# solution preference, price position, competitor status.
INPUTS = [
    (Decimal("32.5"), "low", "medium", "low", "ours", "similar", "weak"),
    (Decimal("18.0"), "medium", "high", "high", "neutral", "higher", "strong"),
    (Decimal("41.0"), "low", "low", "medium", "ours", "lower", "none"),
    (Decimal("12.0"), "high", "high", "high", "competitor", "higher", "incumbent"),
    (Decimal("27.0"), "medium", "medium", "medium", "neutral", "similar", "weak"),
]


def _extended_team(owner: Any) -> list[tuple[Any, str]]:
    """The owner as project leader and the office or region manager as project executive: what
    an A-grade team needs besides the triangle."""
    from openltc.org.models import RoleAssignment
    from openltc.org.roles import Role

    people: list[tuple[Any, str]] = [(owner, TeamRole.PROJECT_LEADER)]
    unit = owner.home_unit
    paths = unit.ancestors_paths() if unit is not None else []
    executive = (
        RoleAssignment.objects.filter(role=Role.SALES_MANAGER, org_unit__path__in=paths)
        .select_related("user", "org_unit")
        .order_by("-org_unit__path")
        .first()
    )
    if executive is not None:
        people.append((executive.user, TeamRole.PROJECT_EXECUTIVE))
    return people


def _assess(stdout: Any) -> None:
    """Grading inputs, a computed grade, evaluation scores, a charter and (for full teams) the
    extended team and its appointment, all through the services. Runs once."""
    from openltc.opportunities.models import EvaluationCriterion, EvaluationScore

    demo = list(
        Opportunity.objects.filter(title__in=TITLES, stage="validating")
        .select_related("owner", "owner__home_unit", "customer")
        .order_by("number")
    )
    if not demo or EvaluationScore.objects.filter(opportunity__in=demo).exists():
        return
    criteria = list(EvaluationCriterion.objects.filter(is_active=True).order_by("order"))
    rng = random.Random(SEED + 41)
    for index, opportunity in enumerate(demo):
        owner = opportunity.owner
        margin, risk, competition, complexity, preference, price, status = INPUTS[index % len(INPUTS)]
        opportunity = services.opportunity_update(
            actor=owner,
            opportunity=opportunity,
            data={
                "margin_pct": margin,
                "payment_risk": risk,
                "competition": competition,
                "complexity": complexity,
                "solution_preference": preference,
                "price_position": price,
                "competitor_status": status,
            },
            expected_version=None,
        )
        opportunity = services.opportunity_grade(actor=owner, opportunity=opportunity)
        if criteria:
            services.evaluation_save(
                actor=owner,
                opportunity=opportunity,
                scores={c.code: (rng.randint(2, 5), "演示评分 Demo score") for c in criteria},
            )
        services.charter_save(
            actor=owner,
            opportunity=opportunity,
            data={
                "project_type": ["competitive", "strategic", "regular"][index % 3],
                "background": "客户已立项，预算落实中。The customer has started its project; budget being confirmed.",
                "goals": "赢得合同并成为样板点。Win the contract and make it a reference site.",
                "scope": "设备、软件与三年维保。Equipment, software and three years of maintenance.",
                "milestones": "标前引导 → 投标 → 签约。Guidance → bid → contract.",
                "resources": "解决方案专家两名，交付专家一名。Two solution experts, one delivery expert.",
                "risks": "竞争对手价格低。A competitor prices lower.",
            },
        )
        roles = set(opportunity.team_members.values_list("role", flat=True))
        if {TeamRole.AR, TeamRole.SR, TeamRole.FR} <= roles:
            for person, role in _extended_team(owner):
                if role not in roles:
                    services.team_member_add(actor=owner, opportunity=opportunity, user=person, role=role)
            with contextlib.suppress(DomainError):
                services.team_appoint(actor=owner, opportunity=opportunity, note="演示任命 Demo appointment.")
    if stdout is not None:
        stdout.write(f"demo: graded and evaluated {len(demo)} opportunities")
