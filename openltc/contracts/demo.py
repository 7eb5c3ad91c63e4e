"""Demo contracts for the demo customers: drafts, contracts under review (one reworked, so it
has two versions to compare), contracts awaiting the ATC decision, and a frame contract.

States past "awaiting ATC" need an approved ATC decision from the decision engine; the demo
does not force a contract past that gate.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from openltc.contracts import services
from openltc.contracts.choices import ContractKind
from openltc.contracts.models import Contract
from openltc.core.demo import SEED

SIGNING_ENTITY = "开放网络科技有限公司 OpenLTC Networks Co., Ltd."
PLANS: list[tuple[str, str, str]] = [
    # (title, kind, target state)
    ("骨干网扩容合同 Backbone expansion contract", ContractKind.STANDARD, "draft"),
    ("数据中心交换机采购 Data-centre switch purchase", ContractKind.STANDARD, "under_review"),
    ("私有云一期合同 Private cloud phase 1", ContractKind.STANDARD, "reworked"),
    ("园区网络建设合同 Campus network contract", ContractKind.STANDARD, "awaiting_atc"),
    ("年度设备框架协议 Annual equipment frame agreement", ContractKind.FRAME, "draft"),
    ("运维服务合同 Managed services contract", ContractKind.STANDARD, "awaiting_atc"),
]
PRODUCTS = [
    ("product", "核心路由器 Core router", "set", "13"),
    ("product", "接入交换机 Access switch", "unit", "13"),
    ("service", "安装调测 Installation and commissioning", "lot", "6"),
    ("service", "培训 Training", "day", "6"),
]
TERMS = [
    [
        ("advance", "预付款 Advance", "30", "signature", 30),
        ("preliminary_acceptance", "初验款 PAC", "60", "preliminary_acceptance", 45),
        ("retention", "质保金 Retention", "10", "warranty_end", 30),
    ],
    [
        ("advance", "预付款 Advance", "20", "signature", 15),
        ("shipment", "发货款 Shipment", "40", "shipment", 30),
        ("final_acceptance", "终验款 FAC", "40", "final_acceptance", 60),
    ],
]


def _user(username: str) -> Any:
    from openltc.org.models import User

    return User.objects.filter(username=username, is_active=True).first()


def _lines(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for kind, description, unit, tax in rng.sample(PRODUCTS, 3):
        price = Decimal(rng.randrange(20, 400) * 1000)
        rows.append(
            {
                "kind": kind,
                "description": description,
                "quantity": str(rng.randrange(1, 8)),
                "unit": unit,
                "unit_price": str(price),
                "tax_rate": tax,
            }
        )
    return rows


def _milestones(index: int) -> list[dict[str, Any]]:
    return [
        {"kind": k, "name": n, "percentage": p, "trigger_event": t, "due_days": d}
        for k, n, p, t, d in TERMS[index % 2]
    ]


def _review(contract: Contract, reviewers: dict[str, Any], functions: tuple[str, ...]) -> None:
    verdicts = {
        "legal": ("agree", "", ""),
        "finance": (
            "agree_with_conditions",
            "回款后置比例偏高 Back-loaded payment",
            "预付款不低于 20% Advance at least 20%",
        ),
        "delivery": ("agree", "", ""),
        "credit": ("agree", "", ""),
    }
    for function in functions:
        reviewer = reviewers.get(function)
        if reviewer is None:
            continue
        verdict, reasons, conditions = verdicts[function]
        services.review_opinion_give(
            actor=reviewer,
            contract=contract,
            function=function,
            verdict=verdict,
            reasons=reasons,
            conditions=conditions,
        )


@transaction.atomic
def build(*, stdout: Any = None) -> None:
    from openltc.customers.models import Customer

    if Contract.objects.filter(title__in=[p[0] for p in PLANS]).exists():
        return
    customers = list(
        Customer.objects.filter(merged_into__isnull=True, owner__isnull=False, owner__is_active=True)
        .select_related("owner", "org_unit")
        .order_by("name", "pk")
    )
    if not customers:
        if stdout is not None:
            stdout.write("demo: contracts skipped (no demo customers)")
        return
    rng = random.Random(SEED + 60)
    manager = _user("contracts")
    reviewers = {
        "legal": _user("legal"),
        "finance": _user("finance"),
        "credit": _user("finance"),
        "delivery": _user("delivery"),
    }
    for index, (title, kind, target) in enumerate(PLANS):
        customer = customers[index % len(customers)]
        owner = customer.owner
        org_unit = owner.home_unit or customer.org_unit
        opportunity = (
            customer.opportunities.exclude(stage__in=["lost", "abandoned"])
            .filter(owner=owner)
            .order_by("created_at")
            .first()
            if hasattr(customer, "opportunities")
            else None
        )
        is_frame = kind == ContractKind.FRAME
        contract = services.contract_create(
            actor=owner,
            data={
                "title": title,
                "kind": kind,
                "customer": customer,
                "opportunity": None if is_frame else opportunity,
                "signing_entity": SIGNING_ENTITY,
                "currency": "CNY",
                "org_unit": org_unit,
                "owner": owner,
                "contract_manager": manager or owner,
                "delivery_obligations": "到货 60 天内完成安装调测 Installed and commissioned within 60 days of delivery.",
                "warranty_months": 12 if is_frame else 36,
                "warranty_terms": "硬件保修，软件升级 Hardware warranty and software updates.",
                "governing_terms": "适用中华人民共和国法律，上海仲裁 PRC law; arbitration in Shanghai.",
                "margin_percent": Decimal(rng.randrange(18, 42)),
            },
            lines=None if is_frame else _lines(rng),
            milestones=None if is_frame else _milestones(index),
        )
        if target in ("under_review", "reworked", "awaiting_atc"):
            contract = services.contract_submit(actor=owner, contract=contract)
        if target == "reworked":
            _review(contract, reviewers, ("legal", "finance"))
            contract = services.contract_return_for_rework(
                actor=owner,
                contract=contract,
                reason="财经意见：提高预付款 Finance: raise the advance payment",
            )
            services.contract_milestones_replace(
                actor=owner,
                contract=contract,
                milestones=[
                    {
                        "kind": "advance",
                        "name": "预付款 Advance",
                        "percentage": "30",
                        "trigger_event": "signature",
                        "due_days": 15,
                    },
                    {
                        "kind": "shipment",
                        "name": "发货款 Shipment",
                        "percentage": "40",
                        "trigger_event": "shipment",
                        "due_days": 30,
                    },
                    {
                        "kind": "final_acceptance",
                        "name": "终验款 FAC",
                        "percentage": "30",
                        "trigger_event": "final_acceptance",
                        "due_days": 60,
                    },
                ],
            )
            contract = services.contract_submit(actor=owner, contract=contract)
        if target == "under_review":
            _review(contract, reviewers, ("legal",))
        if target == "awaiting_atc":
            _review(contract, reviewers, ("legal", "finance", "delivery", "credit"))
            if all(reviewers.values()):
                services.contract_complete_review(actor=owner, contract=contract)
    if stdout is not None:
        stdout.write(f"demo: {len(PLANS)} contracts")
