"""A change through ATAC in a real browser: the AR raises the change request from the contract
page (amended lines, live totals), submits it to the ATAC case, and after the SDT's approval
records the signed change agreement; the contract page then shows version 2 as current."""

from __future__ import annotations

from typing import Any

import pytest

from openltc.contracts.models import Contract, ContractChange
from openltc.contracts.tests.test_changes import executing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_change_through_atac(
    journey: Any, rep: Any, admin_user: Any, executive: Any, finance: Any, org: Any
) -> None:
    from conftest import make_user
    from openltc.decisions import services as decisions
    from openltc.decisions.tests.factories import fill_checklist, make_body
    from openltc.org.roles import DecisionLevel, Role

    mp = pytest.MonkeyPatch()
    contract = executing(rep, admin_user, executive, mp)
    mp.undo()  # the real decision engine answers from here
    make_body(org.hq, DecisionLevel.COMPANY)
    j = journey()
    j.login("rep")
    j.goto(f"/contracts/{contract.pk}/")
    with j.page.expect_navigation():
        j.page.get_by_role("link", name="Request a change (ATAC)").click()
    editor = j.page.locator("#contract-editor")
    editor.locator("textarea[name=reason]").fill("Customer orders a third router")
    editor.locator("textarea[name=schedule_impact]").fill("Two weeks later")
    editor.locator("input[name='lines-0-quantity']").fill("3")
    with j.page.expect_navigation():
        editor.locator("button[name=op][value=save]").click()
    change = ContractChange.objects.get(contract=contract)
    assert "Customer orders a third router" in j.page.content()
    j.shot("change drafted")
    with j.page.expect_navigation():
        j.page.get_by_role("link", name="Submit for change review and the ATAC decision").click()
    base = f"/contracts/{contract.pk}/changes/{change.pk}"
    with j.page.expect_navigation():
        j.page.locator(f"form[action='{base}/submit_change/'] button[type=submit]").click()
    assert "/decisions/cases/" in j.page.url
    change.refresh_from_db()
    assert change.status == "in_decision"
    # The change review and the ATAC decision (the decision engine's own pages are tested there).
    from openltc.decisions.selectors import latest_case

    case = latest_case(change, "ATAC")
    fill_checklist(rep, case)
    case = decisions.case_submit(actor=rep, case=case)
    delivery = make_user("delivery1", (Role.DELIVERY_MANAGER, org.hq, None), home=org.hq)
    for reviewer, function in ((finance, "finance"), (delivery, "delivery")):
        decisions.opinion_record(actor=reviewer, case=case, function=function, verdict="agree", reasons="ok")
    decisions.decision_record(actor=executive, case=case, outcome="approved", rationale="ok")
    j.goto(f"/contracts/{contract.pk}/changes/{change.pk}/")
    with j.page.expect_navigation():
        j.page.get_by_role("link", name="Record the signed change agreement").click()
    form = j.page.locator(f"form[action='{base}/sign_change/']")
    form.locator("input[name=signed_on]").fill("2026-11-20")
    with j.page.expect_navigation():
        form.locator("button[type=submit]").click()
    contract = Contract.objects.select_related("current_version").get(pk=contract.pk)
    assert contract.current_version.number == 2
    j.goto(f"/contracts/{contract.pk}/")
    assert j.page.get_by_role("link", name=f"{contract.number}-A1").count() == 1
    j.shot("contract amended")
    assert j.console_errors == []
