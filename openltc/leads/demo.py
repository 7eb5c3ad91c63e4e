"""Demo leads: every status in the Shanghai, Hangzhou and Guangzhou offices, a pool for the East
lead manager, and distribution rules of each kind. Built through the services, so every lead has
its audit trail; ``scale(n)`` adds bulk leads with plain inserts."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from openltc.core.demo import SEED
from openltc.leads import services
from openltc.leads.choices import (
    ActivityKind,
    ActivityOutcome,
    DisqualifyReason,
    DistributionKind,
    ElementStatus,
    LeadSource,
    LeadStatus,
    Maturity,
    StrategicFit,
)
from openltc.leads.models import DistributionRule, Lead, NurturingCriterion, RepCapacity

COMPANIES = [
    "上海港务集团",
    "浙江能源科技",
    "苏州智造股份",
    "杭州城市大脑运营",
    "广州地铁集团",
    "深圳云智网络",
    "佛山制造联盟",
    "宁波港口物流",
    "Marina Bay Data Centres",
    "Kuala Lumpur Power Grid",
    "Jakarta Smart City",
    "Saigon Logistics Hub",
]
NEEDS = [
    ("Campus network upgrade", "园区网络升级"),
    ("Private cloud platform", "私有云平台"),
    ("Energy storage for plant", "厂区储能系统"),
    ("Data centre expansion", "数据中心扩容"),
    ("Video surveillance renewal", "视频监控改造"),
    ("Engineering services framework", "工程服务框架"),
]
PEOPLE = ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄婷", "周杰", "吴霞"]
# rep username → (statuses to create, country)
REPS = {"sh.ar": "CN", "hz.ar": "CN", "gz.ar": "CN"}
STATUS_PLAN = [
    LeadStatus.NEW,
    LeadStatus.NEW,
    LeadStatus.VALIDATING,
    LeadStatus.NURTURING,
    LeadStatus.NURTURING,
    LeadStatus.QUALIFIED,
    LeadStatus.CONVERTED,
    LeadStatus.DISQUALIFIED,
]


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _lead_data(rng: random.Random, *, country: Any, product_lines: list[Any], index: int) -> dict[str, Any]:
    company = COMPANIES[index % len(COMPANIES)]
    need_en, need_zh = NEEDS[index % len(NEEDS)]
    person = PEOPLE[index % len(PEOPLE)]
    return {
        "title": f"{company} · {need_zh} {need_en}",
        "source": rng.choice(LeadSource.values),
        "company_name": company,
        "contact_name": person,
        "contact_phone": f"+86 138 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        "contact_email": f"contact{index}@demo-customer{index % len(COMPANIES)}.test",
        "product_line": product_lines[index % len(product_lines)] if product_lines else None,
        "country": country,
        "estimated_value": Decimal(rng.randrange(200, 30000)) * 1000,
        "currency": "CNY",
        "expected_date": timezone.localdate() + datetime.timedelta(days=rng.randint(30, 300)),
        "pain_text": "网络时延高、运维成本高 / high latency and operating cost",
    }


def _confirm_everything(*, actor: Any, lead: Lead) -> Lead:
    lead = services.lead_update(
        actor=actor,
        lead=lead,
        data={
            **{
                f"{k}_status": ElementStatus.CONFIRMED for k in ("pain", "solution", "relationship", "budget")
            },
            "pain_evidence": "客户CTO在交流会上确认 / confirmed by the CTO",
            "solution_text": "分阶段建设 / phased build-out",
            "solution_evidence": "方案交流纪要 / minutes of the solution workshop",
            "relationship_text": "与IT总监关系良好，已有教练 / good relation with IT director, coach in place",
            "relationship_evidence": "两次高层拜访 / two executive visits",
            "budget_text": "2027年预算已批 / 2027 budget approved",
            "budget_evidence": "客户立项文件 / customer project approval",
        },
    )
    for criterion in NurturingCriterion.objects.filter(is_active=True):
        services.lead_criterion_set(actor=actor, lead=lead, criterion=criterion, checked=True)
    return lead


def _advance(*, rep: Any, lead: Lead, target: str, rng: random.Random) -> Lead:
    if target == LeadStatus.NEW:
        return lead
    if target == LeadStatus.DISQUALIFIED:
        return services.lead_disqualify(
            actor=rep, lead=lead, reason=rng.choice(DisqualifyReason.values[:7]), note="演示 / demo"
        )
    lead = services.lead_validate(
        actor=rep, lead=lead, strategic_fit=StrategicFit.FIT, maturity=rng.choice(Maturity.values)
    )
    if target == LeadStatus.VALIDATING:
        return lead
    lead = services.lead_accept(actor=rep, lead=lead)
    for days in (20, 9, 2):
        services.lead_activity_add(
            actor=rep,
            lead=lead,
            data={
                "kind": rng.choice(ActivityKind.values),
                "occurred_at": timezone.now() - datetime.timedelta(days=days),
                "summary": "与客户交流需求 / discussed the need with the customer",
                "outcome": rng.choice([ActivityOutcome.POSITIVE, ActivityOutcome.NEUTRAL]),
                "next_step": "准备技术交流 / prepare a technical exchange",
            },
        )
    if target == LeadStatus.NURTURING:
        return lead
    lead = _confirm_everything(actor=rep, lead=lead)
    lead = services.lead_qualify(actor=rep, lead=lead)
    if target == LeadStatus.QUALIFIED:
        return lead
    lead, _opportunity = services.lead_convert(actor=rep, lead=lead)
    return lead


@transaction.atomic
def build(*, stdout: Any = None) -> None:
    from openltc.org.models import Country, Market, OrgUnit, ProductLine, User

    if Lead.objects.exists() or not User.objects.filter(username="leads.east").exists():
        return
    rng = random.Random(SEED + 30)
    users = {u.username: u for u in User.objects.filter(username__in=[*REPS, "leads.east", "gz.manager"])}
    lines = list(ProductLine.objects.order_by("code"))
    china = Country.objects.filter(code="CN").first()
    for username in REPS:
        RepCapacity.objects.get_or_create(user=users[username], defaults={"capacity": 25})
        RepCapacity.objects.get(user=users[username]).skills.set(lines)

    rule = DistributionRule.objects.create(
        name="老客户 → 客户经理 Existing customer → AR", order=10, kind=DistributionKind.EXISTING_CUSTOMER
    )
    rule = DistributionRule.objects.create(
        name="亚太市场 → 广州 APAC → Guangzhou", order=20, kind=DistributionKind.REGION
    )
    rule.markets.set(Market.objects.filter(code="APAC"))
    rule.candidates.set([users["gz.ar"]])
    rule = DistributionRule.objects.create(
        name="云软件 → 华东轮转 Cloud → East round-robin",
        order=30,
        kind=DistributionKind.PRODUCT_LINE,
        first_contact_sla_hours=8,
    )
    rule.product_lines.set(ProductLine.objects.filter(code="CLOUD"))
    rule.candidates.set([users["sh.ar"], users["hz.ar"]])
    DistributionRule.objects.create(
        name="能力与负载 Capability and load", order=90, kind=DistributionKind.CAPABILITY
    )

    index = 0
    for username in REPS:
        rep = users[username]
        fresh: list[Lead] = []
        for target in STATUS_PLAN:
            data = _lead_data(rng, country=china, product_lines=lines, index=index)
            lead = services.lead_create(actor=rep, data={**data, "owner": rep})
            _advance(rep=rep, lead=lead, target=target, rng=rng)
            if target == LeadStatus.NEW:
                fresh.append(lead)
            index += 1
        # One new lead whose first-contact deadline has passed.
        Lead.objects.filter(pk=fresh[0].pk).update(
            first_contact_due_at=timezone.now() - datetime.timedelta(hours=3)
        )

    manager = users["leads.east"]
    east = OrgUnit.objects.get(code="EAST")
    asia = list(Country.objects.filter(market__code="APAC"))
    for i in range(4):
        data = _lead_data(
            rng, country=asia[i % len(asia)] if i % 2 else china, product_lines=lines, index=index
        )
        services.lead_create(actor=manager, data={**data, "org_unit": east, "source": LeadSource.EXHIBITION})
        index += 1
    gz = OrgUnit.objects.get(code="GZ")
    data = _lead_data(rng, country=china, product_lines=lines, index=index)
    services.lead_create(actor=users["gz.manager"], data={**data, "org_unit": gz, "source": LeadSource.WEB})
    _say(stdout, f"leads: {Lead.objects.count()} demo leads, 4 distribution rules")


def scale(n: int, *, stdout: Any = None) -> None:
    """Adds ``n`` open or disqualified leads with bulk inserts (batches of 5,000)."""
    from openltc.org.models import Country, OrgUnit, ProductLine, User

    rng = random.Random(SEED + 31)
    units = list(OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.OFFICE, OrgUnit.Kind.TEAM]).order_by("path"))
    if not units:
        return
    reps = list(User.objects.filter(home_unit__in=units, is_active=True).order_by("username"))
    lines: list[Any] = list(ProductLine.objects.order_by("code")) or [None]
    countries: list[Any] = list(Country.objects.order_by("code")) or [None]
    statuses = [
        LeadStatus.NEW,
        LeadStatus.VALIDATING,
        LeadStatus.NURTURING,
        LeadStatus.QUALIFIED,
        LeadStatus.DISQUALIFIED,
    ]
    now = timezone.now()
    batch: list[Lead] = []
    created = 0
    for i in range(n):
        status = rng.choice(statuses)
        owner = rng.choice(reps) if reps and rng.random() > 0.1 else None
        unit = owner.home_unit if owner is not None and owner.home_unit_id else rng.choice(units)
        need_en, need_zh = NEEDS[i % len(NEEDS)]
        assigned = now - datetime.timedelta(days=rng.randint(0, 120)) if owner else None
        batch.append(
            Lead(
                title=f"{COMPANIES[i % len(COMPANIES)]} · {need_zh} #{i + 1}",
                source=rng.choice(LeadSource.values),
                company_name=COMPANIES[i % len(COMPANIES)],
                contact_name=PEOPLE[i % len(PEOPLE)],
                contact_phone=f"+86 139 {i % 10000:04d} {rng.randint(1000, 9999)}",
                contact_email=f"scale{i}@demo-bulk.test",
                product_line=rng.choice(lines),
                country=rng.choice(countries),
                org_unit=unit,
                owner=owner,
                estimated_value=Decimal(rng.randrange(100, 50000)) * 1000,
                currency="CNY",
                maturity=rng.choice(Maturity.values),
                status=status
                if owner or status in (LeadStatus.NEW, LeadStatus.DISQUALIFIED)
                else LeadStatus.NEW,
                disqualify_reason=rng.choice(DisqualifyReason.values)
                if status == LeadStatus.DISQUALIFIED
                else "",
                assigned_at=assigned,
                first_contact_due_at=assigned + datetime.timedelta(hours=24) if assigned else None,
                first_contacted_at=assigned + datetime.timedelta(hours=rng.randint(1, 72))
                if assigned and rng.random() > 0.2
                else None,
                last_activity_at=now - datetime.timedelta(days=rng.randint(0, 60)) if owner else None,
            )
        )
        if len(batch) >= 5000:
            Lead.objects.bulk_create(batch, batch_size=5000)
            created += len(batch)
            batch = []
    if batch:
        Lead.objects.bulk_create(batch, batch_size=5000)
        created += len(batch)
    _say(stdout, f"leads: {created} bulk leads added")
