from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from openltc.cash.models import AgingBucket, CashPolicy, Invoice, IssuingEntity, Receipt
from openltc.core.admin import AuditedModelAdmin


@admin.register(IssuingEntity)
class IssuingEntityAdmin(AuditedModelAdmin):
    """Our legal entities that issue invoices, each with its own gap-free number series."""

    list_display = ["code", "name", "tax_id", "number_prefix", "default_tax_rate", "is_active"]
    list_editable = ["is_active"]


@admin.register(AgingBucket)
class AgingBucketAdmin(AuditedModelAdmin):
    """The receivables aging buckets by days past due (empty bound = open ended)."""

    list_display = ["position", "label", "min_days", "max_days"]
    list_editable = ["label", "min_days", "max_days"]


@admin.register(CashPolicy)
class CashPolicyAdmin(AuditedModelAdmin):
    """Write-off limit, DSO period and overdue alert interval (one row)."""

    list_display = ["__str__", "write_off_limit", "dso_period_days", "alert_every_days"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: money records change only through the cash services (pages and API)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "kind",
        "contract",
        "customer",
        "issue_date",
        "due_date",
        "gross_amount",
        "currency",
        "status",
    ]
    list_filter = ["kind", "status", "issuing_entity"]
    search_fields = ["number", "contract__number", "customer__name"]
    list_select_related = ["contract", "customer"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer", "received_on", "amount", "allocated_amount", "currency", "status"]
    list_filter = ["status"]
    search_fields = ["number", "payer", "bank_reference", "customer__name"]
    list_select_related = ["customer"]
