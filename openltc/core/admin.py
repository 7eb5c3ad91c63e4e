from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from openltc.core.audit import record_event
from openltc.core.models import AuditEvent


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin screens write an audit event in the same transaction as the change, like services do.

    Domain records whose lifecycle is guarded by a workflow are not editable here; only master
    data and configuration use this class.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = {f: form.initial.get(f) for f in form.changed_data} if change else {}
            super().save_model(request, obj, form, change)
            after = {f: form.cleaned_data.get(f) for f in form.changed_data}
            action = f"{obj._meta.model_name}.{'updated' if change else 'created'}_in_admin"
            record_event(actor=request.user, action=action, subject=obj, before=before, after=after)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            record_event(actor=request.user, action=f"{obj._meta.model_name}.deleted_in_admin", subject=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                record_event(
                    actor=request.user, action=f"{obj._meta.model_name}.deleted_in_admin", subject=obj
                )
            super().delete_queryset(request, queryset)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "actor_name", "action", "subject_repr", "request_id"]
    list_filter = ["action", "subject_type"]
    search_fields = ["action", "subject_repr", "actor_name", "request_id", "subject_id"]
    date_hierarchy = "occurred_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
