"""The main navigation, by LTC phase. An entry appears once its app provides the URL it names,
so the menu never links to a page that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Promise
    url_name: str


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("home", _("My work"), "home"),
    NavItem("leads", _("Leads"), "leads:list"),
    NavItem("customers", _("Customers"), "customers:list"),
    NavItem("opportunities", _("Opportunities"), "opportunities:list"),
    NavItem("bids", _("Bids"), "bids:list"),
    NavItem("decisions", _("Decisions"), "decisions:inbox"),
    NavItem("contracts", _("Contracts"), "contracts:list"),
    NavItem("delivery", _("Delivery"), "delivery:list"),
    NavItem("cash", _("Cash"), "cash:workspace"),
    NavItem("analytics", _("Analytics"), "analytics:dashboard"),
)


def available_items() -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for item in NAV_ITEMS:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"key": item.key, "label": item.label, "url": url})
    return items
