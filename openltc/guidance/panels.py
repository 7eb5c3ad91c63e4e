"""The guidance panel on the opportunity page: the current stage's guidance, checklist progress,
$APPEALS key needs, value messages and open actions, with links to the guidance pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openltc.core.visibility import VIEW, can_access
from openltc.guidance import selectors
from openltc.guidance.models import ActionItem


def opportunity_panel(request: HttpRequest, opportunity: Any) -> dict[str, Any] | None:
    if not can_access(request.user, opportunity, VIEW):
        return None
    playbook = selectors.playbook_for_stage(opportunity.stage)
    appeals = selectors.current_appeals(opportunity)
    actions = ActionItem.objects.filter(opportunity=opportunity).open()
    return {
        "playbook": playbook,
        "checklist": selectors.checklist(opportunity, playbook),
        "appeals": appeals,
        "key_needs": [r for r in appeals.ratings.all() if r.is_key_need] if appeals else [],
        "messages_count": opportunity.value_messages.count(),
        "open_actions": actions.count(),
        "overdue_actions": actions.overdue().count(),
    }
