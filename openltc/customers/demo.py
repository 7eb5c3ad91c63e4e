"""Demo customers with filled buying-organisation maps, relationship plans and surveys.

Deterministic (seeded) and idempotent: nothing happens when the demo customers already exist.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from openltc.core.demo import SEED
from openltc.customers import services
from openltc.customers.choices import (
    BuyingRole,
    CoachFunction,
    CustomerSize,
    Industry,
    LifecycleStatus,
    ManagementLevel,
    RelationshipKind,
)
from openltc.customers.models import (
    Contact,
    CreditRating,
    Customer,
    CustomerTier,
    PersonalityType,
    RelationshipStage,
)
from openltc.customers.normalize import normalize_company_name, normalize_person_name, phone_digits
from openltc.org.models import Country, OrgUnit, User

# name, legal name, industry, office, owner, province, city
CUSTOMERS: list[tuple[str, str, str, str, str, str, str]] = [
    ("申城电力", "上海申城电力股份有限公司", Industry.ENERGY, "SH-T1", "sh.ar", "上海", "上海"),
    ("浦江银行", "上海浦江银行股份有限公司", Industry.FINANCE, "SH-T1", "sh.ar", "上海", "上海"),
    ("东海港务", "上海东海港务集团有限公司", Industry.TRANSPORT, "SH-T1", "sh.ar", "上海", "上海"),
    ("华申医院", "上海华申医院", Industry.HEALTHCARE, "SH-T1", "sh.ar", "上海", "上海"),
    ("西湖云网", "杭州西湖云网科技有限公司", Industry.INTERNET, "HZ", "hz.ar", "浙江", "杭州"),
    ("钱塘制造", "浙江钱塘智能制造集团有限公司", Industry.MANUFACTURING, "HZ", "hz.ar", "浙江", "杭州"),
    ("之江大学", "之江大学", Industry.EDUCATION, "HZ", "hz.ar", "浙江", "杭州"),
    ("羊城通信", "广东羊城通信股份有限公司", Industry.TELECOM, "GZ-T1", "gz.ar", "广东", "广州"),
    ("珠江能源", "广州珠江能源集团有限公司", Industry.ENERGY, "GZ-T1", "gz.ar", "广东", "广州"),
    ("南粤政务", "广东省南粤政务数据中心", Industry.GOVERNMENT, "GZ-T1", "gz.ar", "广东", "广州"),
    ("鹏城零售", "深圳鹏城零售连锁有限公司", Industry.RETAIL, "SZ", "gz.ar", "广东", "深圳"),
    ("前海证券", "深圳前海证券股份有限公司", Industry.FINANCE, "SZ", "gz.ar", "广东", "深圳"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
]
TITLES = {
    ManagementLevel.DECISION: ["总经理", "董事长", "分管副总", "CIO"],
    ManagementLevel.MANAGEMENT: ["采购部经理", "财务总监", "技术部主任", "设备处处长", "信息中心主任"],
    ManagementLevel.OPERATION: ["网络工程师", "采购专员", "项目助理", "运维主管", "技术员"],
}
DEPARTMENTS = {
    ManagementLevel.DECISION: "总经办",
    ManagementLevel.MANAGEMENT: "管理部门",
    ManagementLevel.OPERATION: "业务部门",
}
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _uscc(rng: random.Random) -> str:
    return (
        "91"
        + "".join(rng.choice("0123456789") for _ in range(6))
        + "".join(rng.choice(USCC_CHARS) for _ in range(10))
    )


def _person(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")
        if name not in used:
            used.add(name)
            return name


def _roles(rng: random.Random, level: str) -> list[str]:
    if level == ManagementLevel.DECISION:
        pool = [BuyingRole.ECONOMIC_DECIDER, BuyingRole.APPROVER]
    elif level == ManagementLevel.MANAGEMENT:
        pool = [BuyingRole.TECHNICAL_DECIDER, BuyingRole.BUYER, BuyingRole.INFLUENCER, BuyingRole.APPROVER]
    else:
        pool = [BuyingRole.USER_DECIDER, BuyingRole.INFLUENCER, BuyingRole.GATEKEEPER, BuyingRole.BUYER]
    return rng.sample(pool, k=rng.randint(1, 2))


@transaction.atomic
def build(*, stdout: Any = None) -> None:
    if Customer.objects.filter(legal_name=CUSTOMERS[0][1]).exists():
        return
    rng = random.Random(SEED + 20)
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={c[3] for c in CUSTOMERS})}
    users = {u.username: u for u in User.objects.filter(username__in={c[4] for c in CUSTOMERS} | {"admin"})}
    if len(units) < 4 or not users:
        return  # the organisation demo has not run
    admin = users.get("admin")
    china = Country.objects.filter(code="CN").first()
    tiers = list(CustomerTier.objects.order_by("rank"))
    ratings = list(CreditRating.objects.order_by("rank"))
    personalities = list(PersonalityType.objects.order_by("rank"))
    stages = list(RelationshipStage.objects.order_by("rank"))
    today = timezone.localdate()
    statuses = (
        [LifecycleStatus.ACTIVE] * 6
        + [LifecycleStatus.PROSPECT] * 4
        + [
            LifecycleStatus.DORMANT,
            LifecycleStatus.LOST,
        ]
    )
    for index, (name, legal, industry, unit, owner_name, province, city) in enumerate(CUSTOMERS):
        owner = users.get(owner_name)
        customer = services.customer_create(
            actor=admin,
            data={
                "name": name,
                "legal_name": legal,
                "tax_id": _uscc(rng),
                "industry": industry,
                "country": china,
                "region": "华东" if unit in ("SH-T1", "HZ") else "华南",
                "province": province,
                "city": city,
                "phone": f"0{rng.randint(20, 29)}-{rng.randint(5000_0000, 8999_9999)}",
                "size": rng.choice(CustomerSize.values),
                "org_unit": units[unit],
                "owner": owner,
                "lifecycle_status": statuses[index],
                "tier": tiers[index % len(tiers)] if tiers else None,
                "is_strategic": index % 4 == 0,
                "credit_rating": ratings[rng.randrange(len(ratings))] if ratings else None,
                "credit_limit": Decimal(rng.choice([2, 5, 10, 20, 50])) * 1_000_000,
                "credit_currency": "CNY",
            },
        )
        _people(rng, customer, owner, admin, personalities, stages, today)
        for months_ago in (9, 3):
            services.satisfaction_survey_create(
                actor=admin,
                customer=customer,
                surveyed_on=today - datetime.timedelta(days=30 * months_ago),
                score=rng.randint(5, 10),
                comments="季度满意度回访",
            )
    if stdout is not None:
        stdout.write(f"customers: {len(CUSTOMERS)} demo customers with buying-organisation maps")


def _people(
    rng: random.Random,
    customer: Customer,
    owner: Any,
    admin: Any,
    personalities: list[PersonalityType],
    stages: list[RelationshipStage],
    today: datetime.date,
) -> None:
    used: set[str] = set()
    counts = {
        ManagementLevel.DECISION: rng.randint(1, 2),
        ManagementLevel.MANAGEMENT: rng.randint(2, 3),
        ManagementLevel.OPERATION: rng.randint(1, 3),
    }
    by_level: dict[str, list[Contact]] = {}
    for level, count in counts.items():
        for _n in range(count):
            bosses = by_level.get(
                ManagementLevel.DECISION
                if level == ManagementLevel.MANAGEMENT
                else ManagementLevel.MANAGEMENT,
                [],
            )
            person = _person(rng, used)
            contact = services.contact_create(
                actor=admin,
                customer=customer,
                data={
                    "name": person,
                    "title": rng.choice(TITLES[level]),
                    "department": DEPARTMENTS[level],
                    "phone": f"+86 13{rng.randint(0, 9)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
                    "email": f"contact{rng.randint(100, 999)}.{len(used)}@{customer.pk.hex[:6]}.example.cn",
                    "management_level": level,
                    "reports_to": rng.choice(bosses)
                    if bosses and level != ManagementLevel.DECISION
                    else None,
                    "buying_roles": _roles(rng, level),
                    "stance": rng.choice([-3, -2, -1, 0, 0, 1, 1, 2, 2, 3]),
                    "influence": "high"
                    if level == ManagementLevel.DECISION
                    else rng.choice(["high", "medium", "medium", "low"]),
                    "personality": rng.choice(personalities) if personalities else None,
                    "relationship_stage": rng.choice(stages[:4]) if stages else None,
                    "personal_needs": rng.choice(["职业晋升", "规避风险", "获得认可", "工作轻松"]),
                    "org_needs": rng.choice(["降本增效", "系统稳定", "合规达标", "业务上线时间"]),
                    "relationship_owner": owner,
                },
            )
            by_level.setdefault(level, []).append(contact)
    everyone = [c for group in by_level.values() for c in group]
    coach = rng.choice(by_level[ManagementLevel.MANAGEMENT] + by_level[ManagementLevel.OPERATION])
    services.contact_update(
        actor=admin,
        contact=coach,
        data={
            "is_coach": True,
            "stance": 3,
            "coach_functions": rng.sample(CoachFunction.values, k=rng.randint(1, 3)),
        },
    )
    pairs: set[tuple[Any, Any]] = set()
    for kind in (
        RelationshipKind.INFLUENCES,
        RelationshipKind.INFLUENCES,
        RelationshipKind.ALLIED,
        RelationshipKind.RIVAL,
    ):
        source, target = rng.sample(everyone, 2)
        if (source.pk, target.pk) in pairs:
            continue
        pairs.add((source.pk, target.pk))
        services.contact_relationship_create(
            actor=admin, customer=customer, source=source, target=target, kind=kind
        )
    key_person = by_level[ManagementLevel.DECISION][0]
    plan = services.relationship_plan_create(
        actor=admin,
        contact=key_person,
        data={
            "objective": "把决策人关系推进到支持",
            "target_stage": stages[3] if len(stages) > 3 else None,
            "owner": owner,
            "due_date": today + datetime.timedelta(days=60),
        },
    )
    for days, title in ((-3, "拜访汇报项目进展"), (4, "邀请参观样板点"), (20, "技术交流会")):
        services.relationship_action_create(
            actor=admin,
            plan=plan,
            data={"title": title, "owner": owner, "due_date": today + datetime.timedelta(days=days)},
        )


def scale(n: int, *, stdout: Any = None) -> None:
    """Adds about n/10 customers with three contacts each, by bulk insert."""
    rng = random.Random(SEED + 21)
    units = list(OrgUnit.objects.filter(code__in=["SH-T1", "HZ", "GZ-T1", "SZ"]))
    if not units:
        return
    owners = {u.username: u for u in User.objects.filter(username__in=["sh.ar", "hz.ar", "gz.ar"])}
    owner_for = {"SH-T1": "sh.ar", "HZ": "hz.ar", "GZ-T1": "gz.ar", "SZ": "gz.ar"}
    start = Customer.objects.filter(name__startswith="规模客户").count()
    total = max(n // 10, 1)
    levels = [ManagementLevel.DECISION, ManagementLevel.MANAGEMENT, ManagementLevel.OPERATION]
    batch = 1000
    for offset in range(0, total, batch):
        customers = []
        for i in range(start + offset, start + min(offset + batch, total)):
            unit = units[i % len(units)]
            name = f"规模客户{i:06d}"
            customers.append(
                Customer(
                    name=name,
                    legal_name=f"{name}科技有限公司",
                    normalized_name=normalize_company_name(name),
                    org_unit=unit,
                    owner=owners.get(owner_for[unit.code]),
                    lifecycle_status=rng.choice(LifecycleStatus.values),
                    industry=rng.choice(Industry.values),
                )
            )
        Customer.objects.bulk_create(customers, batch_size=batch)
        contacts = []
        for customer in customers:
            for j, level in enumerate(levels):
                person = f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{j}"
                phone = f"139{rng.randint(10_000_000, 99_999_999)}"
                contacts.append(
                    Contact(
                        customer=customer,
                        name=person,
                        normalized_name=normalize_person_name(person),
                        phone=phone,
                        phone_digits=phone_digits(phone),
                        management_level=level,
                        stance=rng.randint(-3, 3),
                        buying_roles=[],
                        coach_functions=[],
                    )
                )
        Contact.objects.bulk_create(contacts, batch_size=batch)
    if stdout is not None:
        stdout.write(f"customers: added {total} customers with {total * 3} contacts")
