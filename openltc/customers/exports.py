"""Columns of the customer list export (CSV/XLSX through ``openltc.core.exports``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from openltc.core.exports import Column

CUSTOMER_COLUMNS = [
    Column(_("Name"), "name"),
    Column(_("Legal name"), "legal_name"),
    Column(_("Tax id"), "tax_id"),
    Column(_("Industry"), "get_industry_display"),
    Column(_("Country or region"), "country__name"),
    Column(_("Province or state"), "province"),
    Column(_("City"), "city"),
    Column(_("Lifecycle status"), "get_lifecycle_status_display"),
    Column(_("Value tier"), "tier__name"),
    Column(_("Strategic"), "is_strategic"),
    Column(_("Credit rating"), "credit_rating__name"),
    Column(_("Credit limit"), "credit_limit"),
    Column(_("Credit currency"), "credit_currency"),
    Column(_("Org unit"), "org_unit__name"),
    Column(_("Owner (AR)"), "owner"),
    Column(_("Created at"), "created_at"),
]
