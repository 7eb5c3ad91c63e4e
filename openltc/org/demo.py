"""The demo organisation: one company, two regions, four offices, a user for every role."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from openltc.core.demo import DEMO_PASSWORD
from openltc.org.models import Country, Market, OrgUnit, ProductLine, RoleAssignment, User
from openltc.org.roles import DecisionLevel, Role

UNITS = [
    # code, name, kind, parent
    ("HQ", "OpenLTC 演示集团 Demo Group", OrgUnit.Kind.COMPANY, None),
    ("EAST", "华东地区部 East Region", OrgUnit.Kind.REGION, "HQ"),
    ("SOUTH", "华南地区部 South Region", OrgUnit.Kind.REGION, "HQ"),
    ("SH", "上海代表处 Shanghai Office", OrgUnit.Kind.OFFICE, "EAST"),
    ("HZ", "杭州代表处 Hangzhou Office", OrgUnit.Kind.OFFICE, "EAST"),
    ("GZ", "广州代表处 Guangzhou Office", OrgUnit.Kind.OFFICE, "SOUTH"),
    ("SZ", "深圳代表处 Shenzhen Office", OrgUnit.Kind.OFFICE, "SOUTH"),
    ("SH-T1", "上海一组 Shanghai Team 1", OrgUnit.Kind.TEAM, "SH"),
    ("GZ-T1", "广州一组 Guangzhou Team 1", OrgUnit.Kind.TEAM, "GZ"),
]

# username, what the person does (printed), [(role, unit, decision level)]
DEMO_USERS: list[tuple[str, str, list[tuple[str, str, int | None]]]] = [
    ("admin", "System administrator (superuser)", [(Role.SYSTEM_ADMIN, "HQ", None)]),
    (
        "ceo",
        "Executive, whole company; company SDT",
        [(Role.EXECUTIVE, "HQ", None), (Role.SDT_MEMBER, "HQ", DecisionLevel.COMPANY)],
    ),
    (
        "east.vp",
        "East region manager; region SDT",
        [(Role.SALES_MANAGER, "EAST", None), (Role.SDT_MEMBER, "EAST", DecisionLevel.REGION)],
    ),
    (
        "south.vp",
        "South region manager; region SDT",
        [(Role.SALES_MANAGER, "SOUTH", None), (Role.SDT_MEMBER, "SOUTH", DecisionLevel.REGION)],
    ),
    (
        "sh.manager",
        "Shanghai office manager; office SDT",
        [(Role.SALES_MANAGER, "SH", None), (Role.SDT_MEMBER, "SH", DecisionLevel.OFFICE)],
    ),
    (
        "gz.manager",
        "Guangzhou office manager; office SDT",
        [(Role.SALES_MANAGER, "GZ", None), (Role.SDT_MEMBER, "GZ", DecisionLevel.OFFICE)],
    ),
    ("leads.east", "Lead manager, East region", [(Role.LEAD_MANAGER, "EAST", None)]),
    ("sh.ar", "Sales rep / AR, Shanghai", [(Role.SALES_REP, "SH-T1", None)]),
    ("sh.sr", "Solution / SR, Shanghai", [(Role.SOLUTION, "SH-T1", None)]),
    ("sh.fr", "Fulfilment / FR, Shanghai", [(Role.FULFILMENT, "SH-T1", None)]),
    ("hz.ar", "Sales rep / AR, Hangzhou", [(Role.SALES_REP, "HZ", None)]),
    ("gz.ar", "Sales rep / AR, Guangzhou", [(Role.SALES_REP, "GZ-T1", None)]),
    ("gz.sr", "Solution / SR, Guangzhou", [(Role.SOLUTION, "GZ-T1", None)]),
    ("gz.fr", "Fulfilment / FR, Guangzhou", [(Role.FULFILMENT, "GZ-T1", None)]),
    ("contracts", "Contract manager, company", [(Role.CONTRACT_MANAGER, "HQ", None)]),
    ("finance", "Finance, company", [(Role.FINANCE, "HQ", None)]),
    ("legal", "Legal, company", [(Role.LEGAL, "HQ", None)]),
    ("delivery", "Delivery manager, company", [(Role.DELIVERY_MANAGER, "HQ", None)]),
]

PERSON_NAMES = {
    "admin": "系统管理员 Admin",
    "ceo": "陈总 Chen Wei",
    "east.vp": "王磊 Wang Lei",
    "south.vp": "李娜 Li Na",
    "sh.manager": "张强 Zhang Qiang",
    "gz.manager": "刘洋 Liu Yang",
    "leads.east": "赵敏 Zhao Min",
    "sh.ar": "孙杰 Sun Jie",
    "sh.sr": "周婷 Zhou Ting",
    "sh.fr": "吴刚 Wu Gang",
    "hz.ar": "郑浩 Zheng Hao",
    "gz.ar": "黄丽 Huang Li",
    "gz.sr": "林峰 Lin Feng",
    "gz.fr": "何静 He Jing",
    "contracts": "马超 Ma Chao",
    "finance": "高霞 Gao Xia",
    "legal": "罗斌 Luo Bin",
    "delivery": "梁勇 Liang Yong",
}

HOME_UNITS = {
    "admin": "HQ",
    "ceo": "HQ",
    "east.vp": "EAST",
    "south.vp": "SOUTH",
    "sh.manager": "SH",
    "gz.manager": "GZ",
    "leads.east": "EAST",
    "sh.ar": "SH-T1",
    "sh.sr": "SH-T1",
    "sh.fr": "SH-T1",
    "hz.ar": "HZ",
    "gz.ar": "GZ-T1",
    "gz.sr": "GZ-T1",
    "gz.fr": "GZ-T1",
    "contracts": "HQ",
    "finance": "HQ",
    "legal": "HQ",
    "delivery": "HQ",
}

MARKETS = [("CN-E", "China East 中国华东"), ("CN-S", "China South 中国华南"), ("APAC", "Asia Pacific 亚太")]
COUNTRIES = [
    ("CN", "中国 China", "CN-E", 2),
    ("SG", "Singapore 新加坡", "APAC", 1),
    ("MY", "Malaysia 马来西亚", "APAC", 2),
    ("ID", "Indonesia 印度尼西亚", "APAC", 3),
    ("VN", "Vietnam 越南", "APAC", 3),
]
PRODUCT_LINES = [
    ("NET", "Network equipment 网络设备"),
    ("CLOUD", "Cloud software 云软件"),
    ("ENERGY", "Energy systems 能源系统"),
    ("SERVICES", "Engineering services 工程服务"),
]


@transaction.atomic
def build(*, stdout: Any = None) -> None:
    if User.objects.filter(username="admin").exists():
        return
    units: dict[str, OrgUnit] = {}
    for code, name, kind, parent in UNITS:
        unit = OrgUnit(code=code, name=name, kind=kind, parent=units.get(parent or ""))
        unit.path = unit.compute_path()
        unit.save()
        units[code] = unit
    markets = {code: Market.objects.create(code=code, name=name) for code, name in MARKETS}
    for code, name, market, risk in COUNTRIES:
        Country.objects.create(code=code, name=name, market=markets[market], risk_level=risk)
    for code, name in PRODUCT_LINES:
        ProductLine.objects.create(code=code, name=name)
    for username, _label, roles in DEMO_USERS:
        user = User(
            username=username,
            email=f"{username}@demo.openltc.test",
            display_name=PERSON_NAMES[username],
            home_unit=units[HOME_UNITS[username]],
            is_staff=username == "admin",
            is_superuser=username == "admin",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        for role, unit_code, level in roles:
            RoleAssignment.objects.create(
                user=user, role=role, org_unit=units[unit_code], decision_level=level
            )
    for code, manager in (
        ("EAST", "east.vp"),
        ("SOUTH", "south.vp"),
        ("SH", "sh.manager"),
        ("GZ", "gz.manager"),
        ("HQ", "ceo"),
    ):
        OrgUnit.objects.filter(code=code).update(manager=User.objects.get(username=manager))
