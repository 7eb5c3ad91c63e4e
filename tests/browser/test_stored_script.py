"""A stored ``<script>`` never runs in any page (issue 7, item 6), checked in a real browser: the
demo data set gets the script in every free-text column, then the pages of every app along the
chain — customer, lead, opportunity, decision case, bid, contract, delivery project, invoice,
receipt, the cash workspace and the executive dashboard — are opened as the administrator. No
``alert`` dialog may open, and the pages that show the text show it as text."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from openltc.core.demo import DEMO_PASSWORD
from tests.contract.harness import creation_order
from tests.fuzz.generated import plant_script_everywhere
from tests.fuzz.values import SCRIPT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# model label → URL of its page (first row of the model)
PAGES = {
    "customers.Customer": "/customers/{pk}/",
    "leads.Lead": "/leads/{pk}/",
    "opportunities.Opportunity": "/opportunities/{pk}/",
    "decisions.DecisionCase": "/decisions/cases/{pk}/",
    "bids.Bid": "/bids/{pk}/",
    "contracts.Contract": "/contracts/{pk}/",
    "delivery.DeliveryProject": "/delivery/{pk}/",
    "cash.Invoice": "/cash/invoices/{pk}/",
    "cash.Receipt": "/cash/receipts/{pk}/",
}
LISTS = ["/contracts/", "/delivery/", "/cash/", "/cash/invoices/", "/bids/", "/analytics/", "/decisions/"]


def test_a_stored_script_never_runs_in_the_pages_of_the_chain(journey: Any) -> None:
    from django.apps import apps

    call_command("demo", "--quiet-logins", stdout=io.StringIO())
    urls = list(LISTS)
    for label, pattern in PAGES.items():
        model = apps.get_model(label)
        row = model._base_manager.order_by(*creation_order(model)).first()
        assert row is not None, f"the demo data has no {label}"
        urls.append(pattern.format(pk=row.pk))
    assert plant_script_everywhere() > 100

    j = journey()
    dialogs: list[str] = []
    j.page.on("dialog", lambda dialog: (dialogs.append(f"{j.page.url}: {dialog.message}"), dialog.dismiss()))
    j.login("admin", DEMO_PASSWORD)
    shown = 0
    for url in urls:
        response = j.goto(url)
        assert response is not None, url
        assert response.status < 500, (url, response.status)
        j.page.wait_for_load_state("load")
        shown += j.page.get_by_text(SCRIPT, exact=False).count()
        j.shot(url.strip("/").replace("/", "-") or "home")
    assert dialogs == [], dialogs
    assert shown > 0, "no page showed the stored text at all"
