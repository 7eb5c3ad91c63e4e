"""Playbooks are configuration: admins edit guidance, key tasks and document templates here.
Uploaded template files go through the same checks as the service (type, size, name)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from openltc.core.admin import AuditedModelAdmin
from openltc.core.audit import record_event
from openltc.core.errors import DomainError
from openltc.guidance.models import DocumentTemplate, Playbook, PlaybookTask
from openltc.guidance.services import check_template_upload


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ["position", "name", "name_zh", "description", "file", "text", "is_active"]

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "size") and not getattr(upload, "_committed", False):
            try:
                upload.name = check_template_upload(upload)
            except DomainError as exc:
                raise ValidationError(exc.message) from None
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_file = bool(data.get("file"))
        has_text = bool((data.get("text") or "").strip())
        if not has_file and not has_text:
            raise ValidationError("Upload a file or write a text template.")
        return data

    def save(self, commit: bool = True) -> Any:
        obj = super().save(commit=False)
        if obj.file and "file" in self.changed_data:
            obj.original_name = obj.file.name.rsplit("/", 1)[-1]
            obj.size = obj.file.size
        if commit:
            obj.save()
        return obj


class PlaybookTaskInline(admin.TabularInline):
    model = PlaybookTask
    extra = 1
    fields = ["position", "code", "title", "title_zh", "description", "description_zh", "is_active"]

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # checklist items point at tasks; deactivate instead


class DocumentTemplateInline(admin.StackedInline):
    model = DocumentTemplate
    form = DocumentTemplateForm
    extra = 0


@admin.register(Playbook)
class PlaybookAdmin(AuditedModelAdmin):
    list_display = ["stage", "title", "title_zh", "is_active"]
    list_editable = ["is_active"]
    fields = ["stage", "title", "title_zh", "guidance", "guidance_zh", "is_active"]
    inlines = [PlaybookTaskInline, DocumentTemplateInline]


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(AuditedModelAdmin):
    form = DocumentTemplateForm
    list_display = ["name", "playbook", "original_name", "size", "is_active"]
    list_filter = ["playbook", "is_active"]
    search_fields = ["name", "name_zh", "description"]

    fields = ["playbook", *DocumentTemplateForm.Meta.fields]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        # As AuditedModelAdmin, but a file is audited by its name (an upload is not JSON).
        def plain(value: Any) -> Any:
            return getattr(value, "name", value) if isinstance(value, File) else value

        with transaction.atomic():
            before = {f: plain(form.initial.get(f)) for f in form.changed_data} if change else {}
            admin.ModelAdmin.save_model(self, request, obj, form, change)
            after = {f: plain(form.cleaned_data.get(f)) for f in form.changed_data}
            action = f"documenttemplate.{'updated' if change else 'created'}_in_admin"
            record_event(actor=request.user, action=action, subject=obj, before=before, after=after)
