"""Admin: the configuration lists (tiers, credit ratings, personality types, relationship stages)
are maintained here. Customers and contacts are shown read-only; they change through the app's
pages and API, which apply visibility, validation and merge rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from openltc.core.admin import AuditedModelAdmin
from openltc.customers.models import (
    Contact,
    CreditRating,
    Customer,
    CustomerTier,
    PersonalityType,
    RelationshipStage,
)


class ConfigListAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "rank", "is_active"]
    list_editable = ["rank", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    ordering = ["rank", "code"]


for model in (CustomerTier, CreditRating, PersonalityType, RelationshipStage):
    admin.site.register(model, ConfigListAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "legal_name",
        "tax_id",
        "lifecycle_status",
        "tier",
        "org_unit",
        "owner",
        "merged_into",
    ]
    list_filter = ["lifecycle_status", "tier", "is_strategic", "org_unit"]
    search_fields = ["name", "legal_name", "tax_id"]
    list_select_related = ["tier", "org_unit", "owner", "merged_into"]


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["name", "customer", "title", "management_level", "stance", "influence", "is_coach"]
    list_filter = ["management_level", "influence", "is_coach"]
    search_fields = ["name", "email", "phone", "customer__name"]
    list_select_related = ["customer"]
