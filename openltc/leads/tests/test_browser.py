"""The lead detail page in a real browser: HTMX actions swap the page fragment in place, refusals
show their reason, and no script errors occur (the CSP forbids inline scripts)."""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps

from openltc.leads.choices import LeadStatus
from openltc.leads.models import Lead
from openltc.leads.tests.factories import make_lead, nurturing_lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots" / "leads"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(browser_page: Any) -> Any:
    return browser_page


def login(page: Any, username: str) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def test_detail_actions_inline(page: Any, rep: Any) -> None:
    # Transactional tests flush the database, data-migration defaults included: restore them.
    import_module("openltc.leads.migrations.0002_default_configuration").create_defaults(django_apps, None)
    lead = nurturing_lead(owner=rep, title="Browser lead", contact_name="Li Lei")
    make_lead(actor=rep, owner=rep, title="Second lead")
    login(page, "rep")
    page.goto(page.base_url + "/leads/")
    page.screenshot(path=str(SHOTS / "01-list.png"), full_page=True)
    page.click("text=Browser lead")
    page.wait_for_selector("#lead-detail")
    page.screenshot(path=str(SHOTS / "02-detail.png"), full_page=True)
    # tick the first criterion: the fragment is swapped in place
    page.locator(".checklist .check-toggle").first.click()
    page.wait_for_selector(".checklist li.done")
    # disqualify without a reason: the refusal shows, nothing changes
    page.click("summary:has-text('Disqualify')")
    page.click("form[action$='/action/disqualify/'] button[type=submit]")
    page.wait_for_selector("text=Choose a reason for disqualifying the lead.")
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NURTURING
    page.screenshot(path=str(SHOTS / "03-refused.png"), full_page=True)
    page.goto(page.base_url + "/leads/board/")
    page.screenshot(path=str(SHOTS / "04-board.png"), full_page=True)
    assert page.js_errors == []
