"""Admin pages of bids: read and search; changes go through the pages and the API (services)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from openltc.bids.models import Bid, BidChecklistItem, Negotiation


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "opportunity", "status", "result", "submission_deadline")
    list_filter = ("status", "result", "evaluation_method")
    search_fields = ("number", "title", "tender_number", "issuer")


@admin.register(BidChecklistItem)
class BidChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "bid", "category", "prevents_disqualification", "status", "due_date")
    list_filter = ("status", "category", "prevents_disqualification")


@admin.register(Negotiation)
class NegotiationAdmin(ReadOnlyAdmin):
    list_display = ("opportunity", "payment_risk", "needs_new_decision")
