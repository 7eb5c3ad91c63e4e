"""Demo bids on the demo opportunities, all made through the services (so the ATB gate, the
checklist rule and the audit trail are real): a won and a lost lot on an opportunity whose ATB
was approved (the lost one with competitor prices, recovery actions and a post-bid review), a
disqualified lot, a bid under review with an open disqualification item, bids in preparation with
their checklists and Q&A, and a negotiation with its team, a concession and a term change."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from openltc.core.errors import DomainError

CHECKLIST: list[tuple[str, str, bool]] = [
    ("营业执照及资质证书 Business licence and qualification certificates", "qualification", True),
    ("法人授权书（签字盖章）Power of attorney, signed and sealed", "signature_seal", True),
    ("投标保证金回单 Bid bond receipt", "bid_bond", True),
    ("标书格式自检 Format self-check against the tender", "format", True),
    ("技术建议书 Technical proposal", "technical", False),
    ("商务报价单 Commercial price schedule", "commercial", False),
]


def _bid(owner: Any, opportunity: Any, title: str, days: int, price: Decimal) -> Any:
    from openltc.bids import services

    now = timezone.now()
    price = price.quantize(Decimal("0.01"))
    return services.bid_create(
        actor=owner,
        opportunity=opportunity,
        data={
            "title": title,
            "tender_number": f"ZB-{opportunity.number[-6:]}-{title[:2].strip()}",
            "issuer": f"{opportunity.customer.name} 采购中心 Procurement centre",
            "questions_deadline": now + datetime.timedelta(days=days - 7),
            "submission_deadline": now + datetime.timedelta(days=days),
            "qualification_requirements": "注册资本不少于 5000 万元；近三年同类业绩不少于 3 个。\n"
            "Registered capital ≥ 50M CNY; at least 3 similar references in 3 years.",
            "evaluation_method": "comprehensive",
            "bid_price": price,
            "bond_amount": (price * Decimal("0.02")).quantize(Decimal("0.01")),
            "bond_status": "paid",
        },
    )


def _checklist(owner: Any, bid: Any, *, done: int) -> None:
    from openltc.bids import services

    today = timezone.localdate()
    for index, (title, category, blocking) in enumerate(CHECKLIST):
        item = services.checklist_item_add(
            actor=owner,
            bid=bid,
            data={
                "title": title,
                "category": category,
                "prevents_disqualification": blocking,
                "owner": owner,
                "due_date": today + datetime.timedelta(days=3 + index),
            },
        )
        if index < done:
            services.checklist_item_update(actor=owner, item=item, data={"status": "done"})


def _qa(owner: Any, bid: Any, *, answered: bool) -> None:
    from openltc.bids import services

    q = services.question_add(
        actor=owner,
        bid=bid,
        question="是否接受联合体投标？Are consortium bids accepted?",
        asked_by=str(owner),
    )
    if answered:
        services.question_answer(actor=owner, question=q, answer="不接受。No, single bidders only.")
    services.question_add(
        actor=owner,
        bid=bid,
        question="交货期能否分两批？Can delivery be split into two batches?",
        asked_by="招标代理 Tender agent",
    )


def _through_opening(owner: Any, bid: Any) -> Any:
    from openltc.bids import services

    _checklist(owner, bid, done=len(CHECKLIST))
    _qa(owner, bid, answered=True)
    for code in ("submit_for_review", "submit", "open"):
        bid = services.bid_transition(actor=owner, bid=bid, code=code)
    return bid


def _competitors(owner: Any, bid: Any, winner: str | None) -> None:
    from openltc.bids import services

    for rank, (name, factor) in enumerate(
        [("Competitor A 甲公司", "0.92"), ("Competitor B 乙公司", "1.04"), ("Competitor C 丙公司", "1.10")],
        start=1,
    ):
        services.competitor_price_add(
            actor=owner,
            bid=bid,
            data={
                "competitor": name,
                "price": (bid.bid_price * Decimal(factor)).quantize(Decimal("0.01")),
                "rank": rank,
                "is_winner": name == winner,
            },
        )


def _won_and_lost(owner: Any, opportunity: Any, teammates: list[Any]) -> int:
    from openltc.bids import services

    amount = opportunity.amount
    won = _through_opening(owner, _bid(owner, opportunity, "一标段 Lot 1", 10, amount * Decimal("0.6")))
    _competitors(owner, won, None)
    services.bid_transition(
        actor=owner, bid=won, code="award", our_rank=1, note="技术分第一 Best technical score"
    )
    lost = _through_opening(owner, _bid(owner, opportunity, "二标段 Lot 2", 12, amount * Decimal("0.4")))
    _competitors(owner, lost, "Competitor A 甲公司")
    lost = services.bid_transition(
        actor=owner, bid=lost, code="lose", our_rank=2, note="价格分落后 Price score behind"
    )
    helper = teammates[0] if teammates else owner
    today = timezone.localdate()
    action = services.recovery_action_add(
        actor=owner,
        bid=lost,
        action="拜访客户 CIO，了解评分细节 Visit the CIO for the scoring details",
        owner=owner,
        due_date=today - datetime.timedelta(days=2),
    )
    services.recovery_action_update(
        actor=owner, action=action, status="done", outcome="二期将单独招标 Phase 2 tendered separately"
    )
    services.recovery_action_add(
        actor=owner,
        bid=lost,
        action="准备二期技术交流 Prepare the phase-2 technical workshop",
        owner=helper,
        due_date=today + datetime.timedelta(days=14),
    )
    services.post_bid_review_record(
        actor=owner,
        bid=lost,
        reasons="甲公司报价低 8%，我方技术分领先但价格分差距过大。Competitor A was 8% cheaper; our technical lead did not make up the price score.",
        lessons="综合评分法下，报价策略需在 ATB 前按价格分公式测算。Under comprehensive scoring, model the price score before ATB.",
    )
    services.bid_transition(actor=owner, bid=lost, code="close")
    dq = _through_opening(owner, _bid(owner, opportunity, "三标段 Lot 3", 14, amount * Decimal("0.1")))
    services.bid_transition(
        actor=owner,
        bid=dq,
        code="disqualify",
        reason="授权书缺少骑缝章 Seal missing across the power of attorney pages",
    )
    # Negotiation of the won lot.
    services.negotiation_member_add(actor=owner, opportunity=opportunity, user=owner, role="lead")
    for person, role in zip(teammates, ("technical", "commercial"), strict=False):
        services.negotiation_member_add(actor=owner, opportunity=opportunity, user=person, role=role)
    services.concession_add(
        actor=owner,
        opportunity=opportunity,
        given="免费培训 20 人天 20 person-days of free training",
        received="预付款提高到 30% Advance payment raised to 30%",
        value=Decimal("60000"),
    )
    services.terms_change(
        actor=owner,
        opportunity=opportunity,
        payment_terms="30% 预付款 / 60% 到货 / 10% 终验 — 30% advance, 60% on delivery, 10% on final acceptance",
        payment_risk="low",
        reason="客户同意提高预付款 The customer agreed to a higher advance",
    )
    return 3


@transaction.atomic
def build(*, stdout: Any = None) -> None:
    from openltc.bids import services
    from openltc.bids.models import Bid
    from openltc.bids.selectors import atb_approved
    from openltc.decisions.selectors import latest_case
    from openltc.opportunities.models import Opportunity

    if Bid.objects.exists():
        return
    candidates = list(
        Opportunity.objects.open()
        .filter(stage__in=["guiding", "bidding", "negotiating", "initiated", "validating"])
        .select_related("owner", "customer")
        .order_by("number")
    )
    made = 0
    used: set[Any] = set()
    try:
        approved = [o for o in candidates if atb_approved(o)]
        if approved:
            opp = approved[0]
            teammates = [m.user for m in opp.team_members.select_related("user") if m.user_id != opp.owner_id]
            made += _won_and_lost(opp.owner, opp, teammates)
            used.add(opp.pk)
        in_review = [o for o in candidates if o.pk not in used and latest_case(o, "ATB") is not None]
        if in_review:
            opp = in_review[0]
            bid = _bid(opp.owner, opp, "设备采购 Equipment tender", 18, opp.amount)
            _checklist(opp.owner, bid, done=3)
            _qa(opp.owner, bid, answered=False)
            services.bid_transition(actor=opp.owner, bid=bid, code="submit_for_review")
            used.add(opp.pk)
            made += 1
        # Bids in preparation: one for the Shanghai AR (the permission contract's fixture), one more.
        rest = [o for o in candidates if o.pk not in used]
        rest.sort(key=lambda o: (o.owner.username != "sh.ar", o.number))
        for opp in rest[:2]:
            bid = _bid(opp.owner, opp, "公开招标 Open tender", 30, opp.amount)
            _checklist(opp.owner, bid, done=1)
            _qa(opp.owner, bid, answered=True)
            made += 1
        if len(rest) > 2:
            opp = rest[2]
            bid = _bid(opp.owner, opp, "询价 Request for quotation", 25, opp.amount)
            services.bid_transition(
                actor=opp.owner,
                bid=bid,
                code="cancel",
                reason="客户取消招标 The customer cancelled the tender",
            )
            made += 1
    except DomainError as exc:  # the demo never forces a record past a rule
        if stdout is not None:
            stdout.write(f"demo: bids stopped: {exc.message}\n")
    if stdout is not None:
        stdout.write(f"demo: {made} bids\n")
