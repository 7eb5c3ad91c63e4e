"""What delivery contributes to the contract's ATCC closure (contracts/closure.py) and to the
contract page (a panel on ``contracts.contract``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openltc.core.visibility import CHANGE, VIEW, can_access
from openltc.delivery import selectors, workflow


def delivery_closure_check(contract: Any) -> list[str]:
    """Every delivery milestone accepted, risks closed, final accounts recorded, project closed
    with its summary; no project at all is a reason too."""
    project = selectors.project_for_contract(contract)
    facts = selectors.facts_for(project) if project is not None else None
    return workflow.closure_reasons(project, facts)


def contract_panel(request: HttpRequest, contract: Any) -> dict[str, Any] | None:
    """The contract page's delivery panel: the project at a glance, or the set-up form."""
    user = request.user
    project = selectors.project_for_contract(contract)
    if project is not None:
        if not can_access(user, project, VIEW):
            return None
        facts = selectors.facts_for(project)
        return {
            "project": project,
            "facts": facts,
            "accepted": facts.milestones - len(facts.unaccepted_milestones),
        }
    if contract.kind == "frame" or contract.status not in ("signed", "archived", "executing"):
        return None
    if not can_access(user, contract, CHANGE):
        return None
    from openltc.delivery.forms import ProjectCreateForm

    return {
        "project": None,
        "form": ProjectCreateForm(initial={"contract": contract.pk, "name": contract.title}),
    }
