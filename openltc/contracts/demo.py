"""Demo contracts for the demo customers: drafts, contracts under review (one reworked, so it
has two versions to compare), contracts awaiting the ATC decision, and a frame contract.

Two contracts go the whole way through the real services and the decision engine (ATC case,
reviews, SDT decision, countersign, seal, archive, receipt check, execution): the campus
network contract then gets an ATAC amendment (change review, ATAC decision, signed and
archived change agreement: version 2 supersedes version 1), and the managed-services contract
is put to the ATCC closure decision and closed when every closure condition is met (the
delivery and cash apps decide theirs; when one is unmet the contract stays executing and the
reason is printed). Nothing is forced past a gate: a refusal leaves the contract where it was.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from openltc.contracts import services
from openltc.contracts.choices import ContractKind
from openltc.contracts.models import Contract
from openltc.core.demo import SEED
from openltc.core.errors import DomainError

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
    reviewers = demo_reviewers()
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
    if not all(reviewers.values()) or manager is None:
        return
    # The AR of Shanghai team 1 (the permission contract's "rep") gets the amended contract when
    # one of the standard demo contracts is theirs; another one awaiting ATC is closed.
    standard = [
        c
        for c in Contract.objects.filter(title__in=[p[0] for p in PLANS], kind=ContractKind.STANDARD)
        .select_related("owner")
        .order_by("number")
    ]
    to_amend = next((c for c in standard if c.owner.username == "sh.ar"), None) or next(
        (c for c in standard if c.status == "awaiting_atc"), None
    )
    to_close = next((c for c in standard if c.status == "awaiting_atc" and c != to_amend), None)
    for candidate, script in ((to_amend, _amend), (to_close, _close)):
        if candidate is None:
            continue
        try:
            with transaction.atomic():
                contract = _execute(candidate, reviewers)
        except DomainError as exc:
            _note(stdout, f"demo: {candidate.number} stays awaiting ATC ({exc.message})")
            continue
        try:
            with transaction.atomic():
                script(contract, reviewers, stdout)
        except DomainError as exc:
            _note(stdout, f"demo: {contract.number} stays executing ({exc.message})")


def _note(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 demo scan", content_type="application/pdf")


def _decide(owner: Any, case: Any, reviewers: dict[str, Any], gate: str) -> None:
    """Completes the case material, submits it, records the required opinions and lets an
    eligible SDT member (not the submitter) approve it."""
    from openltc.decisions import selectors as decision_selectors
    from openltc.decisions import services as decisions

    for item in case.checklist.all():
        if item.needs_attachment:
            decisions.attachment_add(
                actor=owner, case=case, upload=_pdf(f"{gate}-{item.order}.pdf"), item=item
            )
        else:
            decisions.checklist_answer(
                actor=owner, item=item, answer=f"{item.label}: 见附件 (see attachment)."
            )
    case = decisions.case_submit(actor=owner, case=case)
    for function in case.required_reviews:
        decisions.opinion_record(
            actor=reviewers.get(function) or reviewers["delivery"],
            case=case,
            function=function,
            verdict="agree",
            reasons="评审通过 Reviewed: acceptable.",
        )
    case.refresh_from_db()
    decider = (
        decision_selectors.eligible_deciders(case)
        .exclude(pk=case.submitted_by_id)
        .order_by("username")
        .first()
    )
    if decider is None:
        raise DomainError(f"no {gate} decider")
    decisions.decision_record(actor=decider, case=case, outcome="approved", rationale=f"{gate}: 同意 Agreed.")


def demo_reviewers() -> dict[str, Any]:
    """The demo's reviewer for each review function (credit is reviewed by finance)."""
    return {
        "legal": _user("legal"),
        "finance": _user("finance"),
        "credit": _user("finance"),
        "delivery": _user("delivery"),
    }


def to_countersign(contract: Contract, reviewers: dict[str, Any]) -> Contract:
    """Draft or under review → reviewed → ATC decided → countersign started."""
    owner = contract.owner
    if contract.status == "draft":
        contract = services.contract_submit(actor=owner, contract=contract)
    if contract.status == "under_review":
        _review(contract, reviewers, ("legal", "finance", "delivery", "credit"))
        contract = services.contract_complete_review(actor=owner, contract=contract)
    case = services.contract_open_atc_case(actor=owner, contract=contract)
    _decide(owner, case, reviewers, "ATC")
    return services.contract_start_countersign(actor=owner, contract=contract)


def sign_off_countersign(contract: Contract) -> None:
    """Every countersign step signed by the holder of its role in the contract's unit or above."""
    from openltc.contracts.models import CountersignStep
    from openltc.org.models import RoleAssignment

    for step in CountersignStep.objects.filter(contract=contract).order_by("sequence"):
        holder = (
            RoleAssignment.objects.current()
            .filter(role=step.role, org_unit__path__in=contract.org_unit.ancestors_paths())
            .select_related("user")
            .first()
        )
        if holder is None:
            raise DomainError(f"nobody signs for {step.department_name}")
        services.countersign_sign_off(
            actor=holder.user, contract=contract, step_id=step.pk, comment="同意 Agreed."
        )


def _execute(contract: Contract, reviewers: dict[str, Any]) -> Contract:
    """ATC → countersign → seal → signed → archived → receipt check → executing."""
    owner = contract.owner
    contract = to_countersign(contract, reviewers)
    sign_off_countersign(contract)
    signatory = _user("ceo")
    contract = services.contract_request_seal(actor=owner, contract=contract, signatory=signatory)
    contract = services.contract_record_seal(
        actor=owner, contract=contract, signed_on=timezone.localdate(), seal_reference="SEAL-DEMO-1"
    )
    contract = services.contract_archive(
        actor=owner,
        contract=contract,
        scan=_pdf(f"{contract.number}.pdf"),
        archive_number=f"AR-{contract.number}",
        original_location="上海档案室 Shanghai archive room",
    )
    services.contract_confirm_receipt(
        actor=owner,
        contract=contract,
        received_amount=contract.total_gross,
        received_currency=contract.currency,
        milestones_match=True,
        obligations_match=True,
    )
    return services.contract_start_execution(actor=owner, contract=contract)


def _amend(contract: Contract, reviewers: dict[str, Any], stdout: Any) -> None:
    """An ATAC amendment: one more unit on the first line, the same payment terms."""
    owner = contract.owner
    version = contract.current_version
    assert version is not None
    lines = [
        {
            "kind": line.kind,
            "description": line.description,
            "product_line": line.product_line,
            "quantity": str(line.quantity + (1 if line.position == 1 else 0)),
            "unit": line.unit,
            "unit_price": str(line.unit_price),
            "tax_rate": str(line.tax_rate),
        }
        for line in version.lines.order_by("position")
    ]
    change = services.change_request(
        actor=owner,
        contract=contract,
        data={
            "reason": "客户增购一台设备 The customer orders one more unit.",
            "scope_impact": "第 1 行数量加 1 One more unit on line 1.",
            "schedule_impact": "交付延后两周 Delivery two weeks later.",
            "cash_impact": "付款条件不变 Payment terms unchanged.",
        },
        lines=lines,
    )
    case = services.change_submit(actor=owner, change=change)
    _decide(owner, case, reviewers, "ATAC")
    change = services.change_sign(
        actor=owner, change=change, signed_on=timezone.localdate(), agreement_reference="CA-DEMO-1"
    )
    services.change_archive(
        actor=owner,
        change=change,
        scan=_pdf(f"{change.number}.pdf"),
        archive_number=f"AR-{change.number}",
        original_location="上海档案室 Shanghai archive room",
    )
    _note(stdout, f"demo: {contract.number} amended through ATAC ({change.number})")


def _close(contract: Contract, reviewers: dict[str, Any], stdout: Any) -> None:
    """ATCC: the case is refused while a closure condition is unmet (the reason is printed)."""
    owner = contract.owner
    case = services.contract_open_atcc_case(actor=owner, contract=contract)
    _decide(owner, case, reviewers, "ATCC")
    services.contract_close(actor=owner, contract=contract)
    _note(stdout, f"demo: {contract.number} closed through ATCC")
