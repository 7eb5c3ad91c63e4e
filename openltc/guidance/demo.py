"""Demo guidance on a few open demo opportunities: ticked key tasks, a $APPEALS analysis, FABE
rows, and a project meeting with minutes and action items (one overdue). Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from openltc.guidance import services
from openltc.guidance.choices import DIMENSIONS
from openltc.guidance.models import Activity, PlaybookTask

MARKER = "演示：项目周例会 Demo: weekly project meeting"
# The IBM example weight set of ltc-domain §8.1 (in percent, rounded to add up to 100).
WEIGHTS = {
    "price": "17.2",
    "availability": "3.1",
    "packaging": "9.4",
    "performance": "25.2",
    "ease_of_use": "7.9",
    "assurances": "28.9",
    "life_cycle_cost": "3.0",
    "social_acceptance": "5.3",
}
OURS = {
    "price": 6,
    "availability": 8,
    "packaging": 7,
    "performance": 9,
    "ease_of_use": 7,
    "assurances": 8,
    "life_cycle_cost": 7,
    "social_acceptance": 8,
}
NEEDS = {
    "performance": "99.999% 可用性，时延低于 5 ms / 99.999% availability, latency under 5 ms",
    "assurances": "五年质保与本地备件库 / Five-year warranty and a local spare-parts depot",
}
MESSAGES = [
    {
        "dimension": "performance",
        "feature": "双主控冗余架构 Dual redundant controllers",
        "function": "主控故障时毫秒级切换 Millisecond switchover on a controller failure",
        "advantage": "竞争对手为单主控 Competitors offer a single controller",
        "benefit": "业务不中断，满足 99.999% 目标 No service interruption; meets the 99.999% target",
        "evidence": "第三方测试报告与省级运营商样板点 Third-party test report and a provincial operator reference",
    },
    {
        "dimension": "assurances",
        "feature": "本地备件库与 7×24 服务 Local spare-parts depot and 24/7 service",
        "function": "4 小时备件到场 Spare parts on site within 4 hours",
        "advantage": "对手备件需从外省调拨 Competitors ship spares from another province",
        "benefit": "故障恢复时间可控 Predictable recovery time",
        "evidence": "服务等级协议范本与客户满意度调查 SLA template and satisfaction survey",
    },
]


def _ratings(competitors: list[str]) -> list[dict[str, Any]]:
    rows = []
    for i, d in enumerate(DIMENSIONS):
        rows.append(
            {
                "dimension": d,
                "customer_weight": Decimal(WEIGHTS[d]),
                "our_score": OURS[d],
                "competitor_scores": {
                    c: max(3, min(10, OURS[d] - 1 + (i + n) % 3 - 1)) for n, c in enumerate(competitors)
                },
                "is_key_need": d in NEEDS,
                "need": NEEDS.get(d, ""),
            }
        )
    return rows


def _team(opportunity: Any) -> list[Any]:
    people = [opportunity.owner]
    for member in opportunity.team_members.select_related("user"):
        if member.user_id not in [p.pk for p in people] and member.user.is_active:
            people.append(member.user)
    return people


def _pick() -> list[Any]:
    from openltc.opportunities.choices import OPEN_STAGES
    from openltc.opportunities.models import Opportunity

    open_ones = Opportunity.objects.filter(stage__in=OPEN_STAGES).select_related("owner").order_by("number")
    preferred = [o for o in open_ones if o.owner.username == "sh.ar"][:2]
    others = [o for o in open_ones if o not in preferred][:2]
    return preferred + others


@transaction.atomic
def build(*, stdout: Any = None) -> None:
    if Activity.objects.filter(subject=MARKER).exists():
        return
    chosen = _pick()
    if not chosen:
        if stdout is not None:
            stdout.write("demo: guidance skipped (no open demo opportunities)")
        return
    today = timezone.localdate()
    for index, opportunity in enumerate(chosen):
        owner = opportunity.owner
        people = _team(opportunity)
        services.checklist_sync(opportunity)
        for task in PlaybookTask.objects.filter(playbook__stage=opportunity.stage, is_active=True)[:2]:
            services.checklist_item_set(
                actor=owner, opportunity=opportunity, task=task, done=True, note="演示 Demo"
            )
        competitors = [str(c) for c in (opportunity.competitors or [])][:3] or ["Competitor A 甲公司"]
        services.appeals_save(
            actor=owner,
            opportunity=opportunity,
            ratings=_ratings(competitors),
            competitors=competitors,
            summary="客户最看重保证和性能。The customer values assurances and performance most.",
        )
        for data in MESSAGES:
            services.value_message_create(actor=owner, opportunity=opportunity, data={**data, "need": ""})
        helper = people[1] if len(people) > 1 else owner
        services.activity_create(
            actor=owner,
            opportunity=opportunity,
            kind="project_meeting",
            subject=MARKER if index == 0 else "演示：技术交流 Demo: technical exchange",
            held_at=timezone.now() - datetime.timedelta(days=3 + index),
            participants=", ".join(str(p) for p in people),
            minutes=(
                "1. 关键人：技术决策者支持度 +2，经济决策者中立。Key persons: technical decider +2, economic decider neutral.\n"
                "2. 教练已提供评标办法。The coach shared the evaluation method.\n"
                "3. 下一步：样板点参观。Next: a reference-site visit."
            ),
            actions=[
                {
                    "title": "安排样板点参观 Arrange the reference-site visit",
                    "owner": helper,
                    "due_date": today - datetime.timedelta(days=2),
                },
                {
                    "title": "提交技术澄清 Send the technical clarifications",
                    "owner": owner,
                    "due_date": today + datetime.timedelta(days=5),
                },
            ],
        )
        services.action_item_create(
            actor=owner,
            opportunity=opportunity,
            title="更新关键人关系计划 Update the key-person relationship plan",
            owner=owner,
            due_date=today + datetime.timedelta(days=10),
        )
    if stdout is not None:
        stdout.write(f"demo: guidance on {len(chosen)} opportunities")
