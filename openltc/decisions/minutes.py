"""Decision minutes (决策纪要): the printable record of a case and its decisions."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from openltc.decisions.models import DecisionCase
from openltc.decisions.subjects import url_of


def minutes_for(case: DecisionCase) -> dict[str, Any]:
    subject = case.subject
    return {
        "case": case,
        "subject": subject,
        "subject_url": url_of(subject) if subject is not None else "",
        "routing_rule": str(case.routing_rule.note or case.routing_rule)
        if case.routing_rule is not None
        else None,
        "generated_at": timezone.now(),
        "decisions": list(case.decisions.select_related("decided_by", "on_behalf_of").order_by("round")),
        "opinions": list(case.opinions.select_related("reviewer").order_by("created_at")),
        "conditions": list(case.conditions.select_related("owner", "closed_by")),
        "checklist": list(case.checklist.prefetch_related("attachments")),
    }
