"""The bid page in a real browser: start a bid from the opportunity page, fill the checklist,
send it to bid review, see submission refused with its reasons, and no script errors."""

from __future__ import annotations

from typing import Any

import pytest

from openltc.bids.models import Bid
from openltc.bids.tests.factories import graded_opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bid_page_flow(journey: Any, rep: Any) -> None:
    opportunity = graded_opportunity(rep)
    j = journey()
    j.login("rep")
    j.goto(f"/opportunities/{opportunity.pk}/")
    panel = j.page.locator("#bids-panel")
    assert "No bids yet." in panel.inner_text()
    j.shot("opportunity-panel")
    panel.get_by_role("link", name="New bid").click()
    j.page.fill("#id_tender_number", "ZB-2026-042")
    j.page.fill("#id_issuer", "Acme procurement centre")
    j.page.fill("#id_submission_deadline", "2030-06-30T10:00")
    j.page.fill("#id_bid_price", "880000")
    j.page.click("form button.primary")
    assert j.page.locator("h1").inner_text().endswith(opportunity.title)
    j.shot("bid-created")
    bid = Bid.objects.get()

    j.page.get_by_role("link", name="Add a checklist item").click()
    j.page.fill("#id_title", "Power of attorney, sealed")
    j.page.select_option("#id_category", "signature_seal")
    j.page.check("#id_prevents_disqualification")
    j.page.click("form button.primary")
    assert "Power of attorney, sealed" in j.page.locator("#items-h + table").inner_text()

    j.page.get_by_role("link", name="Send to bid review").click()
    j.submit("form button.primary")
    assert "Under bid review" in j.page.content()
    actions = j.page.locator("#bid-actions").inner_text()
    assert "Items that prevent disqualification are still open: Power of attorney, sealed." in actions
    assert "no approved ATB decision" in actions
    assert j.page.get_by_role("button", name="Submit the bid").is_disabled()
    j.shot("submit-refused")

    j.page.get_by_role("link", name="Cancel the bid").click()
    j.submit("form button.danger")
    assert "Give the reason." in j.page.content() or "This field is required." in j.page.content()
    j.page.fill("#id_reason", "The customer withdrew the tender")
    j.submit("form button.danger")
    assert "Cancelled: The customer withdrew the tender" in j.page.content()
    j.shot("cancelled")
    bid.refresh_from_db()
    assert bid.status == "cancelled"
    assert j.console_errors == []
