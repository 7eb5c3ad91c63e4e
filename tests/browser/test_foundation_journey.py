"""The foundation as people use it: sign in, switch language, manage API tokens, phone layout."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_rep_signs_in_switches_to_chinese_and_manages_a_token(journey, rep):
    j = journey()
    j.goto("/")
    assert "/accounts/login/" in j.page.url
    j.shot("login")
    j.page.fill("#id_username", "rep")
    j.page.fill("#id_password", "wrong-password")
    j.page.click("button[type=submit]")
    assert j.page.locator(".form-errors").is_visible()
    j.shot("bad-password")
    j.login("rep@example.test")
    assert j.page.locator("h1").inner_text().startswith("My work")
    assert "Sales rep / AR" in j.page.content()
    j.shot("home-en")

    with j.page.expect_navigation():
        j.page.select_option("#lang-select", "zh-hans")
    assert j.page.locator("h1").inner_text() == "rep 的工作"
    assert "我的工作" in j.page.locator("#mainnav").inner_text()
    assert j.page.locator("html").get_attribute("lang") == "zh-hans"
    j.shot("home-zh")

    j.goto("/org/profile/tokens/")
    j.page.fill("#id_name", "笔记本电脑")
    j.page.click("form button.primary")
    secret = j.page.locator("[data-testid=new-token]").inner_text()
    assert re.match(r"^oltc_[A-Za-z0-9_-]{40,}$", secret)
    j.shot("token-created")
    j.page.reload()
    assert secret not in j.page.content()
    j.submit("table button.danger")
    assert "已吊销" in j.page.content()
    j.shot("token-revoked")
    rep.refresh_from_db()
    assert rep.preferred_language == "zh-hans"
    assert rep.api_tokens.get().revoked_at is not None
    assert j.console_errors == []


def test_phone_layout_has_a_menu_toggle(journey, manager):
    j = journey(viewport_width=390)
    j.login("manager")
    nav = j.page.locator("#mainnav")
    assert not nav.is_visible()
    j.page.click("[data-nav-toggle]")
    assert nav.is_visible()
    assert j.page.locator("[data-nav-toggle]").get_attribute("aria-expanded") == "true"
    width = j.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
    j.shot("phone-menu-open")


def test_non_admin_cannot_open_admin(journey, rep):
    j = journey()
    j.login("rep")
    j.goto("/admin/")
    assert "/admin/login/" in j.page.url
    j.shot("admin-refused")
