from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from openltc.contracts.models import Contract, CountersignDepartment
from openltc.core.admin import AuditedModelAdmin


@admin.register(CountersignDepartment)
class CountersignDepartmentAdmin(AuditedModelAdmin):
    """Which departments countersign (会签), with which role, in which order: configuration.
    Departments with the same sequence number sign in parallel."""

    list_display = ["name", "role", "sequence", "is_active"]
    list_editable = ["role", "sequence", "is_active"]
    ordering = ["sequence", "name"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    """Read-only: the lifecycle is guarded by the workflow and the ATC gate, so contracts change
    only through the services (pages and API), never here."""

    list_display = [
        "number",
        "title",
        "kind",
        "customer",
        "status",
        "total_gross",
        "currency",
        "owner",
        "org_unit",
    ]
    list_filter = ["status", "kind", "org_unit"]
    search_fields = ["number", "title", "customer__name"]
    list_select_related = ["customer", "owner", "org_unit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
