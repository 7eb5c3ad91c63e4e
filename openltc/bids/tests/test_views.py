"""Bid pages: list with filters and export, bid page with actions and refusals, the action pages,
the opportunity panel, the negotiation page; other region gets 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openltc.bids.models import Bid
from openltc.bids.tests.factories import (
    approve,
    graded_opportunity,
    make_bid,
    move,
    with_items,
)

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_list_search_filter_export(rep: Any, other_rep: Any) -> None:
    bid = make_bid(rep, tender_number="ZB-777")
    make_bid(other_rep)
    c = client_for(rep)
    page = c.get(reverse("bids:list"), {"q": "ZB-777"})
    assert page.status_code == 200
    assert bid.number in page.content.decode()
    assert c.get(reverse("bids:list"), {"status": "awarded"}).content.decode().count(bid.number) == 0
    partial = c.get(reverse("bids:list"), {"status": "open"}, HTTP_HX_REQUEST="true")
    assert bid.number in partial.content.decode()
    export = c.get(reverse("bids:list"), {"export": "csv"})
    body = b"".join(export.streaming_content).decode()
    assert bid.number in body
    assert body.count("BID-") == 1


def test_other_region_gets_404(rep: Any, other_rep: Any) -> None:
    bid = make_bid(rep)
    c = client_for(other_rep)
    assert c.get(reverse("bids:detail", args=[bid.pk])).status_code == 404
    assert c.get(reverse("bids:action", args=[bid.pk, "cancel"])).status_code == 404
    assert c.get(reverse("bids:create", args=[bid.opportunity.pk])).status_code == 404
    assert c.get(reverse("bids:negotiation", args=[bid.opportunity.pk])).status_code == 404


def test_create_from_the_opportunity(rep: Any) -> None:
    opp = graded_opportunity(rep)
    c = client_for(rep)
    response = c.post(
        reverse("bids:create", args=[opp.pk]),
        {
            "title": "Tender 1",
            "tender_number": "ZB-1",
            "evaluation_method": "lowest_price",
            "currency": "CNY",
            "bond_currency": "CNY",
            "bond_status": "to_pay",
            "bond_amount": "20000",
        },
    )
    bid = Bid.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bids:detail", args=[bid.pk])
    assert bid.bond_amount == Decimal("20000.00")


def test_bad_input_shows_errors_and_changes_nothing(rep: Any) -> None:
    opp = graded_opportunity(rep)
    response = client_for(rep).post(
        reverse("bids:create", args=[opp.pk]),
        {
            "title": "x",
            "evaluation_method": "lowest_price",
            "currency": "cny1",
            "bond_currency": "CNY",
            "bond_status": "paid",
        },
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert not Bid.objects.exists()


def test_detail_shows_refusal_reasons_and_atb_link(rep: Any) -> None:
    bid = move(rep, with_items(rep, make_bid(rep)), "submit_for_review")
    page = client_for(rep).get(reverse("bids:detail", args=[bid.pk])).content.decode()
    assert "Items that prevent disqualification are still open: Business licence copy." in page
    assert "no approved ATB decision" in page
    assert reverse("opportunities:detail", args=[bid.opportunity.pk]) in page


def test_submit_refused_on_the_page_with_the_message(rep: Any) -> None:
    bid = move(rep, with_items(rep, make_bid(rep)), "submit_for_review")
    response = client_for(rep).post(
        reverse("bids:action", args=[bid.pk, "submit"]), {"lock_version": bid.lock_version}
    )
    assert response.status_code == 200
    assert "Items that prevent disqualification are still open" in response.content.decode()
    assert Bid.objects.get(pk=bid.pk).status == "under_review"


def test_ui_path_through_submission_and_loss(rep: Any, manager: Any, reviewers: Any) -> None:
    bid = with_items(rep, make_bid(rep))
    c = client_for(rep)
    for item in bid.items.all():
        r = c.post(reverse("bids:action", args=[bid.pk, "item_status"]), {"item": item.pk, "status": "done"})
        assert r.status_code == 302
    approve(rep, manager, bid.opportunity, "ATB", reviewers)
    for code in ("submit_for_review", "submit", "open"):
        bid.refresh_from_db()
        r = c.post(reverse("bids:action", args=[bid.pk, code]), {"lock_version": bid.lock_version})
        assert r.status_code == 302, r.content.decode()[:2000]
    bid.refresh_from_db()
    assert (
        c.post(reverse("bids:action", args=[bid.pk, "lose"]), {"our_rank": 3, "note": "Price"}).status_code
        == 302
    )
    assert (
        c.post(
            reverse("bids:action", args=[bid.pk, "competitor"]),
            {"competitor": "Competitor A", "price": "800000", "rank": 1, "is_winner": "on"},
        ).status_code
        == 302
    )
    assert (
        c.post(
            reverse("bids:action", args=[bid.pk, "recovery"]), {"action": "Visit the CIO", "owner": rep.pk}
        ).status_code
        == 302
    )
    assert (
        c.post(
            reverse("bids:action", args=[bid.pk, "review"]), {"reasons": "Price", "lessons": "Cost"}
        ).status_code
        == 302
    )
    assert c.post(reverse("bids:action", args=[bid.pk, "close"]), {}).status_code == 302
    bid.refresh_from_db()
    assert (bid.status, bid.result, bid.our_rank) == ("closed", "lost", 3)
    page = c.get(reverse("bids:detail", args=[bid.pk])).content.decode()
    assert "Visit the CIO" in page
    assert "Competitor A" in page


def test_view_only_role_gets_404_on_actions(rep: Any, finance: Any) -> None:
    bid = make_bid(rep)
    c = client_for(finance)
    assert c.get(reverse("bids:detail", args=[bid.pk])).status_code == 200
    assert c.get(reverse("bids:action", args=[bid.pk, "cancel"])).status_code == 404


def test_unknown_action_is_404(rep: Any) -> None:
    bid = make_bid(rep)
    assert client_for(rep).get(reverse("bids:action", args=[bid.pk, "teleport"])).status_code == 404


def test_opportunity_page_shows_the_panel(rep: Any) -> None:
    bid = make_bid(rep)
    page = client_for(rep).get(reverse("opportunities:detail", args=[bid.opportunity.pk])).content.decode()
    assert 'id="bids-panel"' in page
    assert bid.number in page
    assert reverse("bids:create", args=[bid.opportunity.pk]) in page


def test_negotiation_page_and_terms_change(rep: Any, manager: Any, reviewers: Any) -> None:
    opp = graded_opportunity(rep)
    approve(rep, manager, opp, "ATB", reviewers)
    c = client_for(rep)
    assert (
        c.post(
            reverse("bids:negotiation_action", args=[opp.pk, "member"]), {"user": rep.pk, "role": "lead"}
        ).status_code
        == 302
    )
    assert (
        c.post(
            reverse("bids:negotiation_action", args=[opp.pk, "concession"]),
            {"given": "Training", "received": "Faster acceptance"},
        ).status_code
        == 302
    )
    opp.refresh_from_db()
    r = c.post(
        reverse("bids:negotiation_action", args=[opp.pk, "terms"]),
        {
            "new_amount": "20000000",
            "reason": "Phase 2 added",
            "lock_version": opp.lock_version,
            "payment_risk": "medium",
        },
    )
    assert r.status_code == 302
    page = c.get(reverse("bids:negotiation", args=[opp.pk])).content.decode()
    assert "a new decision is needed" in page
    assert "Faster acceptance" in page
    panel = c.get(reverse("opportunities:detail", args=[opp.pk])).content.decode()
    assert "a new decision is needed" in panel
