from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from openltc.core.admin import AuditedModelAdmin
from openltc.core.audit import record_event
from openltc.core.visibility import forget_scope
from openltc.org.models import ApiToken, Country, Market, OrgUnit, ProductLine, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["org_unit"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = [
        "username",
        "display_name",
        "email",
        "home_unit",
        "preferred_language",
        "is_active",
        "is_staff",
    ]
    list_filter = ["is_active", "is_staff", "preferred_language", "home_unit"]
    search_fields = ["username", "email", "display_name", "first_name", "last_name"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("OpenLTC"), {"fields": ("display_name", "preferred_language", "time_zone", "home_unit", "phone")}),
    )
    inlines = [RoleAssignmentInline]
    autocomplete_fields = ["home_unit"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changed = [f for f in form.changed_data if f not in ("password", "password1", "password2")]
            record_event(
                actor=request.user,
                action="user.updated_in_admin" if change else "user.created_in_admin",
                subject=obj,
                after={f: str(form.cleaned_data.get(f)) for f in changed},
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        with transaction.atomic():
            instances = formset.save(commit=False)
            for deleted in formset.deleted_objects:
                record_event(actor=request.user, action="role.revoked_in_admin", subject=deleted)
                deleted.delete()
            for inst in instances:
                inst.save()
                record_event(
                    actor=request.user,
                    action="role.assigned_in_admin",
                    subject=inst,
                    after={"role": inst.role, "org_unit": inst.org_unit_id},
                )
            formset.save_m2m()
            forget_scope(form.instance)


@admin.register(OrgUnit)
class OrgUnitAdmin(SimpleHistoryAdmin, AuditedModelAdmin):
    list_display = ["indented_name", "code", "kind", "manager", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "path"]
    autocomplete_fields = ["parent", "manager"]
    readonly_fields = ["path"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: OrgUnit) -> str:
        return "— " * obj.depth + obj.name

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from openltc.org.services import _repath_subtree

        with transaction.atomic():
            old_path = OrgUnit.objects.get(pk=obj.pk).path if change else None
            obj.path = obj.compute_path()
            super().save_model(request, obj, form, change)
            if old_path and old_path != obj.path:
                _repath_subtree(old_path, obj.path)


@admin.register(Market)
class MarketAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Country)
class CountryAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "market", "risk_level"]
    list_filter = ["market", "risk_level"]
    search_fields = ["code", "name"]


@admin.register(ProductLine)
class ProductLineAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "parent", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin, AuditedModelAdmin):
    list_display = ["user", "role", "org_unit", "decision_level", "valid_from", "valid_until"]
    list_filter = ["role", "decision_level", "org_unit"]
    search_fields = ["user__username", "user__display_name", "org_unit__name"]
    autocomplete_fields = ["user", "org_unit"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators can see and revoke tokens but never read their secrets (only hashes exist)."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["user", "name", "prefix", "key_hash", "created_at", "last_used_at", "expires_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        from django.utils import timezone

        with transaction.atomic():
            for token in queryset.filter(revoked_at__isnull=True):
                token.revoked_at = timezone.now()
                token.save(update_fields=["revoked_at"])
                record_event(actor=request.user, action="api_token.revoked_in_admin", subject=token)
