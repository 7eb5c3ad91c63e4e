"""The buying-organisation map in a real browser: the chart draws from the page's JSON, a click
on a person opens the stance form, saving it redraws the chart, and edges can be added."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from openltc.customers.models import Contact
from openltc.customers.tests.factories import make_contact, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(browser_page: Any) -> Any:
    return browser_page


def wait_until(page: Any, expression: str, timeout: float = 15.0) -> None:
    # wait_for_function evaluates a string, which the page's CSP (rightly) forbids; poll instead.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {expression}")


def test_org_map_draws_and_edits(page, org, rep):
    customer = make_customer(actor=rep, org_unit=org.sh_team, name="Acme")
    boss = make_contact(
        customer=customer, name="Boss", management_level="decision", influence="high", stance=2
    )
    make_contact(customer=customer, name="Eng", reports_to=boss, is_coach=True, coach_functions=["tip_off"])

    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "rep")
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/customers/{customer.pk}/")

    page.wait_for_selector("[data-org-map] canvas")
    assert page.evaluate("echarts.getInstanceByDom(document.querySelector('[data-org-map]')) !== undefined")
    people = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-org-map]'))"
        ".getOption().series[0].data.filter(n => !n.frame).map(n => n.name)"
    )
    assert sorted(people) == ["Boss", "Eng ★"]

    # Clicking a node opens the stance form (the map's click handler is tested through htmx).
    page.evaluate(
        "htmx.ajax('GET', JSON.parse(document.getElementById('org-map-data').textContent)"
        ".nodes.find(n => n.name === 'Boss').editUrl,"
        " {target: '#contact-dialog'})"
    )
    page.wait_for_selector("#contact-dialog form")
    page.select_option("#contact-dialog select[name=stance]", "-3")
    page.click("#contact-dialog button[type=submit]")
    wait_until(
        page,
        "JSON.parse(document.getElementById('org-map-data').textContent)"
        ".nodes.find(n => n.name === 'Boss').stance === '-3'",
    )
    page.wait_for_selector("[data-org-map] canvas")
    assert Contact.objects.get(name="Boss").stance == -3

    # Adding an edge through the HTMX form redraws the section with the new link.
    page.select_option("select[name=source]", label="Eng")
    page.select_option("select[name=kind]", "influences")
    page.select_option("select[name=target]", label="Boss")
    page.click(".edge-form button[type=submit]")
    wait_until(
        page,
        "JSON.parse(document.getElementById('org-map-data').textContent).links.some(l => l.kind === 'influences')",
    )
    assert page.js_errors == []


def test_customer_pages_have_no_serious_accessibility_problems(chromium, live_server, org, rep):
    """axe-core (WCAG 2 A/AA) on the detail page with its forms, the edit form and the duplicates page."""
    import json
    from pathlib import Path

    axe = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
    if not os.path.exists(CHROMIUM) or not axe.exists():
        pytest.skip("Chromium or axe-core is not installed")

    customer = make_customer(actor=rep, org_unit=org.sh_team, name="Acme")
    boss = make_contact(customer=customer, name="Boss", management_level="decision")
    make_contact(customer=customer, name="Eng", reports_to=boss)
    # bypass_csp only so the test can inject axe-core; the pages themselves never need it.
    page = chromium.new_context(bypass_csp=True).new_page()
    page.set_default_timeout(30_000)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "rep")
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    problems = {}
    for path in (
        f"/customers/{customer.pk}/",
        f"/customers/{customer.pk}/edit/",
        f"/customers/{customer.pk}/contacts/new/",
        "/customers/duplicates/?name=Acme",
        "/customers/new/",
    ):
        page.goto(live_server.url + path)
        page.add_script_tag(path=str(axe))
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
        )
        found = [
            f"{v['id']}: {v['help']} {json.dumps([n['target'] for n in v['nodes']][:3])}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if found:
            problems[path] = found
    page.context.close()
    assert problems == {}
