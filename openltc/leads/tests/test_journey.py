"""The whole lead phase in a real browser, each person signed in as themselves: a rep captures a
lead into the pool, the lead manager validates and distributes it, the sales manager reassigns it
with a reason, the rep nurtures it (activity, the four elements, the checklist), is refused while
the checklist is open, qualifies and converts it. Once in English and once in Chinese (every
person's preferred language); the other region's rep gets 404. Screenshots of every step go to
test-artifacts/screenshots/<test>/."""

from __future__ import annotations

import re
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.utils import translation
from playwright.sync_api import expect

from conftest import make_user
from openltc.leads.choices import DistributionKind, LeadStatus
from openltc.leads.models import DistributionRule, Lead, NurturingCriterion, RepCapacity
from openltc.opportunities.models import Opportunity
from openltc.org.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _t(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def _submit(j: Any, form: str) -> None:
    """Submits an HTMX form of the detail page and waits for the fragment swap."""
    with j.page.expect_response(lambda r: r.request.method == "POST"):
        j.page.click(f"{form} button[type=submit]")
    # the response arrives before HTMX swaps it in; htmx-request stays on the form until then.
    # (Not wait_for_function: it evaluates a string, which the page's CSP forbids once it polls.)
    expect(j.page.locator(".htmx-request")).to_have_count(0)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_lead_phase_across_roles(
    journey: Any, org: Any, rep: Any, manager: Any, other_rep: Any, language: str
) -> None:
    # Transactional tests flush the data-migration defaults (checklist, scorecard): restore them.
    import_module("openltc.leads.migrations.0002_default_configuration").create_defaults(django_apps, None)
    lead_manager = make_user("leadmgr", (Role.LEAD_MANAGER, org.sh, None), home=org.sh)
    rep2 = make_user("rep2", (Role.SALES_REP, org.sh_team, None), home=org.sh_team)
    for user in (rep, manager, other_rep, lead_manager, rep2):
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    rule = DistributionRule.objects.create(name="Shanghai reps", order=1, kind=DistributionKind.CAPABILITY)
    rule.candidates.add(rep2)
    RepCapacity.objects.create(user=rep2, capacity=10)
    title = "华东园区网络改造" if language != "en" else "Campus network for East Port"

    # 1. the rep captures a lead into the pool
    j = journey(locale="zh-CN" if language != "en" else "en-US")
    j.page.set_default_timeout(90_000)  # a long journey on a shared, busy CI machine
    j.login("rep")
    assert j.page.locator("html").get_attribute("lang") == language
    j.goto("/leads/new/")
    j.page.fill("#id_title", title)
    j.page.select_option("#id_source", "exhibition")
    j.page.fill("#id_company_name", "East Port Logistics")
    j.page.fill("#id_contact_name", "Zhang Wei")
    j.page.fill("#id_contact_phone", "13800138000")
    j.page.fill("#id_estimated_value", "1200000")
    j.page.select_option("#id_owner", "")  # into the pool (公海)
    j.shot(f"{language}-rep-captures")
    j.page.click("form.lead-form button[type=submit]")
    j.page.wait_for_selector("#lead-detail")
    lead = Lead.objects.get(title=title)
    assert lead.owner is None
    assert lead.status == LeadStatus.NEW
    j.shot(f"{language}-captured-in-pool")
    j.logout()

    # 2. the lead manager validates and distributes it
    j.login("leadmgr")
    j.goto(f"/leads/{lead.pk}/")
    j.page.click("#lead-detail details.action-box summary >> nth=0")
    j.page.select_option("#id_strategic_fit", "fit")
    j.page.select_option("#id_maturity", "warm")
    _submit(j, "form[action$='/validate/']")
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.VALIDATING
    _submit(j, "form[action$='/action/distribute/']")
    lead.refresh_from_db()
    assert lead.owner == rep2
    j.shot(f"{language}-leadmgr-validated-distributed")
    j.logout()

    # 3. the sales manager reviews and reassigns it to the rep, with a reason
    j.login("manager")
    j.goto(f"/leads/{lead.pk}/")
    j.page.click("form[action$='/assign/'] >> xpath=.. >> summary")
    j.page.select_option("form[action$='/assign/'] select[name=owner]", str(rep.pk))
    j.page.fill("form[action$='/assign/'] input[name=reason]", "Rep knows the customer")
    _submit(j, "form[action$='/assign/']")
    lead.refresh_from_db()
    assert lead.owner == rep
    j.shot(f"{language}-manager-reassigned")
    j.goto(f"/history/leads/lead/{lead.pk}/")
    assert "lead.reassigned" in j.page.content() or "Rep knows the customer" in j.page.content()
    j.shot(f"{language}-manager-reviews-history")
    j.logout()

    # 4. the other region's rep cannot see it
    j.login("other_rep")
    response = j.goto(f"/leads/{lead.pk}/")
    assert response is not None
    assert response.status == 404
    j.shot(f"{language}-other-region-404")
    j.console_errors.clear()  # the browser logs the (expected) 404 as a failed resource
    j.logout()

    # 5. the rep nurtures it
    j.login("rep")
    j.goto(f"/leads/{lead.pk}/")
    _submit(j, "form[action$='/action/accept/']")
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NURTURING
    j.page.select_option("#id_kind", "visit")
    # the date and time default to now, in a value the browser's picker accepts in both languages
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", j.page.input_value("#id_occurred_at"))
    j.page.fill("#id_summary", "Site visit with the IT director")
    _submit(j, "form[action$='/activity/']")
    assert lead.activities.count() == 1
    j.goto(f"/leads/{lead.pk}/edit/")
    for key in ("pain", "solution", "relationship", "budget"):
        j.page.select_option(f"#id_{key}_status", "confirmed")
        j.page.fill(f"#id_{key}_evidence", f"{key} confirmed at the site visit")
    j.page.click("form.lead-form button[type=submit]")
    j.page.wait_for_selector("#lead-detail")
    # refused while the checklist is open: the reason is shown and nothing changes
    count = NurturingCriterion.objects.filter(is_active=True).count()
    reason = _t(language, "%(count)d of the nurturing checklist criteria are not met yet.") % {"count": count}
    assert j.page.locator("#why-qualify").inner_text().strip() == reason
    assert j.page.locator("form[action$='/action/qualify/'] button").is_disabled()
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NURTURING
    j.shot(f"{language}-rep-refused-checklist-open")
    for i in range(count):
        with j.page.expect_response(lambda r: r.request.method == "POST"):
            j.page.locator(".checklist li:not(.done) .check-toggle").first.click()
        # the response arrives before HTMX swaps the fragment in; wait for the swap itself, or the
        # next click lands on the old fragment and toggles the same criterion back
        expect(j.page.locator(".checklist li.done")).to_have_count(i + 1)
    assert j.page.locator(".checklist li.done").count() == count
    j.shot(f"{language}-rep-checklist-met")
    _submit(j, "form[action$='/action/qualify/']")
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.QUALIFIED
    j.page.click("form[action$='/convert/'] button[type=submit]")
    j.page.wait_for_url(re.compile(r".*/opportunities/[0-9a-f-]+/$"))
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert lead.converted_by == rep
    opportunity = Opportunity.objects.get(origin_lead=lead)
    assert opportunity.owner == rep
    assert str(opportunity.pk) in j.page.url
    j.shot(f"{language}-rep-converted-opportunity")
    j.goto(f"/leads/{lead.pk}/")
    j.page.wait_for_selector(f"a[href*='{opportunity.pk}']")
    j.shot(f"{language}-lead-shows-lineage")
    assert j.console_errors == []
