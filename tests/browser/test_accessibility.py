"""Basic accessibility of every main page (axe-core, WCAG 2 A/AA rules): labels, names, contrast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from openltc.core.navigation import NAV_ITEMS

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FIXED_PAGES = ["/", "/org/profile/", "/org/profile/tokens/", "/accounts/password/change/"]


def pages_to_check() -> list[str]:
    pages = list(FIXED_PAGES)
    for item in NAV_ITEMS:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        if url not in pages:
            pages.append(url)
    return pages


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {json.dumps([n['target'] for n in v['nodes']][:3])}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_login_page_is_accessible(journey):
    j = journey(bypass_csp=True)
    j.goto("/accounts/login/")
    assert serious_violations(j.page) == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_main_pages_are_accessible(journey, manager, language):
    manager.preferred_language = language
    manager.save(update_fields=["preferred_language"])
    j = journey(bypass_csp=True)
    j.login("manager")
    problems = {}
    for path in pages_to_check():
        response = j.goto(path)
        assert response.status == 200, path
        found = serious_violations(j.page)
        if found:
            problems[path] = found
    assert problems == {}
