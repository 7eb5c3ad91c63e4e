"""The cash panel on the contract page: billed, collected and receivable at a glance."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openltc.core.visibility import VIEW, can_access


def contract_cash_panel(request: HttpRequest, contract: Any) -> dict[str, Any] | None:
    if not can_access(request.user, contract, VIEW):
        return None
    from openltc.cash import selectors
    from openltc.cash.services import is_finance

    summary = selectors.contract_summary(contract)
    if summary.total == 0 and summary.invoices == 0:
        return None
    return {
        "summary": summary,
        "invoices": selectors.invoice_list(user=request.user, filters={"contract": contract.pk})[:10],
        "billable": selectors.billable_lines(user=request.user, contract=contract),
        "finance": is_finance(request.user, contract.org_unit),
    }
