"""The guidance pages in a real browser: the $APPEALS radar draws from its JSON (no inline script
under the CSP), a checklist tick is swapped in place by HTMX, no script errors occur."""

from __future__ import annotations

from typing import Any

import pytest

from openltc.guidance import services
from openltc.guidance.models import ChecklistItem, PlaybookTask
from openltc.guidance.tests.factories import opportunity_in, ratings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_appeals_radar_and_checklist_ticking(journey: Any, rep: Any) -> None:
    opportunity = opportunity_in("guiding", rep)
    services.appeals_save(
        actor=rep,
        opportunity=opportunity,
        ratings=ratings(performance={"is_key_need": True, "need": "Low latency"}),
        competitors=["Rival A"],
    )
    j = journey()
    j.login("rep")
    j.goto(f"/guidance/opportunity/{opportunity.pk}/appeals/")
    j.page.wait_for_selector(".gd-radar[data-rendered='1'] canvas")
    j.shot("appeals radar")
    j.goto(f"/guidance/opportunity/{opportunity.pk}/")
    task = PlaybookTask.objects.get(playbook__stage="guiding", code="coach")
    row = j.page.locator(f"#task-{task.pk}")
    row.locator("input[type=checkbox]").check()
    row.locator("input[name=note]").fill("Wang Wu passes information")
    row.locator("button[type=submit]").click()
    j.page.wait_for_selector(f"#task-{task.pk}.done")
    j.page.wait_for_selector("#gd-progress:has-text('1 of 8 done')")
    j.shot("checklist ticked")
    item = ChecklistItem.objects.get(opportunity=opportunity, task=task)
    assert item.is_done
    assert item.note == "Wang Wu passes information"
    j.goto(f"/opportunities/{opportunity.pk}/")
    j.page.wait_for_selector("text=Key tasks: 1 of 8 done")
    j.shot("opportunity panel")
    assert j.console_errors == []
