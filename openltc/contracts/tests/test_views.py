"""Pages: status codes, visibility (other_rep gets 404), editor, actions, compare, exports."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from openltc.contracts import services
from openltc.contracts.choices import ContractStatus
from openltc.contracts.tests.factories import make_contract, make_customer, reload

pytestmark = pytest.mark.django_db


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def editor_post(customer: Any, org_unit: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "kind": "standard",
        "customer": str(customer.pk),
        "org_unit": str(org_unit.pk),
        "title": "Metro network",
        "signing_entity": "OpenLTC Co.",
        "currency": "CNY",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-kind": "product",
        "lines-0-description": "Switch",
        "lines-0-quantity": "10",
        "lines-0-unit_price": "1000",
        "lines-0-tax_rate": "13",
        "milestones-TOTAL_FORMS": "2",
        "milestones-INITIAL_FORMS": "0",
        "milestones-0-kind": "advance",
        "milestones-0-percentage": "30",
        "milestones-0-trigger_event": "signature",
        "milestones-0-due_days": "30",
        "milestones-1-kind": "final_acceptance",
        "milestones-1-percentage": "70",
        "milestones-1-trigger_event": "final_acceptance",
        "milestones-1-due_days": "60",
        "op": "save",
    }
    data.update(extra)
    return data


def test_list_shows_own_contracts_only(client, rep, other_rep):
    mine = make_contract(rep)
    theirs = make_contract(other_rep, title="Other region deal")
    response = login(client, rep).get(reverse("contracts:list"))
    assert response.status_code == 200
    assert mine.number in response.content.decode()
    assert theirs.number not in response.content.decode()


def test_list_filters_and_htmx_partial(client, rep):
    make_contract(rep, title="Alpha")
    withdrawn = make_contract(rep, title="Beta")
    services.contract_withdraw(actor=rep, contract=withdrawn, reason="No longer needed")
    response = login(client, rep).get(
        reverse("contracts:list"), {"status": "withdrawn"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "Beta" in body
    assert "Alpha" not in body
    assert "<html" not in body


def test_list_query_count_is_constant(client, rep, django_assert_max_num_queries):
    for index in range(3):
        make_contract(rep, title=f"C{index}")
    login(client, rep)
    client.get(reverse("contracts:list"))
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("contracts:list"))
    for index in range(6):
        make_contract(rep, title=f"D{index}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("contracts:list"))


def test_export_csv_and_xlsx(client, rep, other_rep):
    mine = make_contract(rep)
    theirs = make_contract(other_rep)
    login(client, rep)
    response = client.get(reverse("contracts:list"), {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert mine.number in body
    assert theirs.number not in body
    xlsx = client.get(reverse("contracts:list"), {"export": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_detail_visibility(client, rep, other_rep):
    contract = make_contract(rep)
    assert login(client, rep).get(reverse("contracts:detail", args=[contract.pk])).status_code == 200
    client.force_login(other_rep)
    assert client.get(reverse("contracts:detail", args=[contract.pk])).status_code == 404
    assert client.get(reverse("contracts:edit", args=[contract.pk])).status_code == 404
    assert client.get(reverse("contracts:compare", args=[contract.pk])).status_code == 404
    assert client.post(reverse("contracts:action", args=[contract.pk, "submit"])).status_code == 404


def test_detail_shows_actions_with_reasons(client, rep):
    contract = make_contract(rep, milestones=None)
    body = login(client, rep).get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "Add the payment milestones." in body
    assert reverse("contracts:edit", args=[contract.pk]) in body


def test_create_through_the_editor(client, rep):
    customer = make_customer(rep, rep.home_unit)
    response = login(client, rep).post(reverse("contracts:create"), editor_post(customer, rep.home_unit))
    assert response.status_code == 302
    contract = reload(customer.contracts.get())
    assert contract.total_gross == 11300
    assert contract.current_version.milestones.count() == 2


def test_editor_refuses_milestones_that_do_not_add_up(client, rep):
    customer = make_customer(rep, rep.home_unit)
    data = editor_post(customer, rep.home_unit, **{"milestones-1-percentage": "60"})
    response = login(client, rep).post(reverse("contracts:create"), data)
    assert response.status_code == 200
    assert (
        "The payment milestones add up to 10170.00 CNY but the contract total is 11300.00 CNY (difference 1130.00)."
        in response.content.decode()
    )
    assert not customer.contracts.exists()


def test_editor_add_row_and_preview_do_not_save(client, rep):
    customer = make_customer(rep, rep.home_unit)
    login(client, rep)
    added = client.post(
        reverse("contracts:create"),
        editor_post(customer, rep.home_unit, op="add_line"),
        HTTP_HX_REQUEST="true",
    )
    assert added.status_code == 200
    assert 'name="lines-1-description"' in added.content.decode()
    assert "This field is required." not in added.content.decode()
    preview = client.post(
        reverse("contracts:create"),
        editor_post(customer, rep.home_unit, op="preview"),
        HTTP_HX_REQUEST="true",
    )
    assert "11,300.00" in preview.content.decode() or "11300.00" in preview.content.decode()
    assert not customer.contracts.exists()


def test_edit_with_stale_version_shows_conflict(client, rep):
    contract = make_contract(rep)
    services.contract_update(actor=rep, contract=contract, data={"title": "Changed"}, expected_version=None)
    data = editor_post(contract.customer, rep.home_unit, lock_version="1")
    response = login(client, rep).post(reverse("contracts:edit", args=[contract.pk]), data)
    assert response.status_code == 200
    assert "This record was changed by someone else" in response.content.decode()


def test_submit_and_withdraw_actions(client, rep):
    contract = make_contract(rep)
    login(client, rep)
    response = client.post(
        reverse("contracts:action", args=[contract.pk, "submit"]), {"lock_version": contract.lock_version}
    )
    assert response.status_code == 302
    assert reload(contract).status == ContractStatus.UNDER_REVIEW
    refused = client.post(reverse("contracts:action", args=[contract.pk, "withdraw"]), {"reason": ""})
    assert refused.status_code == 200
    assert reload(contract).status == ContractStatus.UNDER_REVIEW
    client.post(reverse("contracts:action", args=[contract.pk, "withdraw"]), {"reason": "Cancelled"})
    assert reload(contract).status == ContractStatus.WITHDRAWN


def test_atc_refusal_is_shown_on_the_action_page(client, rep, admin_user):
    contract = services.contract_submit(actor=rep, contract=make_contract(rep))
    for function in ("legal", "finance", "delivery", "credit"):
        services.review_opinion_give(actor=admin_user, contract=contract, function=function, verdict="agree")
    services.contract_complete_review(actor=rep, contract=contract)
    response = login(client, rep).post(
        reverse("contracts:action", args=[contract.pk, "start_countersign"]), {}
    )
    assert response.status_code == 200
    assert "Needs an approved ATC decision" in response.content.decode()


def test_opinion_page_offers_only_the_reviewers_functions(client, rep, finance):
    contract = services.contract_submit(actor=rep, contract=make_contract(rep))
    response = login(client, finance).get(reverse("contracts:action", args=[contract.pk, "opinion"]))
    body = response.content.decode()
    assert 'value="finance"' in body
    assert 'value="legal"' not in body
    client.post(
        reverse("contracts:action", args=[contract.pk, "opinion"]),
        {"function": "credit", "verdict": "agree_with_conditions", "reasons": "Rating B", "conditions": "LC"},
    )
    assert contract.review_opinions.get().verdict == "agree_with_conditions"


def test_compare_page(client, rep):
    contract = services.contract_submit(actor=rep, contract=make_contract(rep))
    services.contract_return_for_rework(actor=rep, contract=contract, reason="Rework")
    services.contract_lines_replace(
        actor=rep,
        contract=contract,
        lines=[{"description": "Core router", "quantity": "4", "unit_price": "100000", "tax_rate": "13"}],
    )
    response = login(client, rep).get(reverse("contracts:compare", args=[contract.pk]), {"a": 1, "b": 2})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Removed" in body
    assert "4.0000" in body
    assert client.get(reverse("contracts:compare", args=[contract.pk]), {"a": 1, "b": 9}).status_code == 404


def test_unknown_action_is_404(client, rep):
    contract = make_contract(rep)
    assert (
        login(client, rep).get(reverse("contracts:action", args=[contract.pk, "teleport"])).status_code == 404
    )


def test_pages_render_through_the_lifecycle(client, rep, executive, admin_user, monkeypatch):
    from openltc.contracts.tests.test_services import drive

    monkeypatch.setattr("openltc.contracts.selectors.gate_approved", lambda contract, gate: True)
    contract = drive(
        make_contract(rep), ContractStatus.ARCHIVED, actor=rep, admin=admin_user, signatory=executive
    )
    services.contract_confirm_receipt(
        actor=rep,
        contract=contract,
        received_amount="1",
        received_currency="CNY",
        milestones_match=False,
        obligations_match=True,
    )
    login(client, rep)
    body = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "AR-2026-001" in body
    assert "Amount: received 1.00, approved 279000.00." in body
    assert "The last receipt check found a mismatch" in body
    assert client.get(reverse("contracts:action", args=[contract.pk, "receipt_check"])).status_code == 200
    assert client.get(reverse("contracts:edit", args=[make_contract(rep).pk])).status_code == 200
    assert client.get(reverse("contracts:create")).status_code == 200


def test_countersign_view(client, rep, admin_user, monkeypatch):
    from openltc.contracts.models import CountersignStep
    from openltc.contracts.tests.test_services import drive

    monkeypatch.setattr("openltc.contracts.selectors.gate_approved", lambda contract, gate: True)
    contract = drive(
        make_contract(rep), ContractStatus.COUNTERSIGN, actor=rep, admin=admin_user, signatory=None
    )
    login(client, admin_user)
    assert "Sign off" in client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    step = CountersignStep.objects.filter(contract=contract, sequence=10).first()
    client.post(reverse("contracts:countersign", args=[contract.pk, step.pk]), {"comment": "Fine"})
    step.refresh_from_db()
    assert step.status == "signed"


def test_pages_in_chinese(client, rep):
    from django.utils import translation

    contract = make_contract(rep)
    rep.preferred_language = "zh-hans"
    rep.save(update_fields=["preferred_language"])
    login(client, rep)
    with translation.override("zh-hans"):
        body = client.get(
            reverse("contracts:detail", args=[contract.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert "付款里程碑与回款计划" in body


def test_my_work_lists_drafts(rep, other_rep):
    from openltc.contracts.mywork import contract_work

    make_contract(rep)
    items = contract_work(rep)
    assert [(str(i.label), i.count) for i in items] == [("Contract drafts to finish", 1)]
    assert contract_work(other_rep) == []
