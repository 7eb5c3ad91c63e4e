"""Shared model pieces: the base model, the restricted queryset and the audit log."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from openltc.core.visibility import VIEW, Visibility, user_scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from openltc.org.models import User


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to what a user may see or change."""

    def restrict(self, user: User | AnonymousUser, action: str = VIEW) -> Self:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        scope = user_scope(user)
        if scope.everything:
            return self
        rule: Visibility | None = getattr(self.model, "visibility", None)
        if rule is None:
            return self.none()
        condition = rule.q_for(user, scope, action)  # type: ignore[arg-type]
        if rule.members:
            # Team joins can duplicate rows; filtering on a pk subquery keeps one row each
            # without DISTINCT over every selected column.
            return self.filter(pk__in=self.model._default_manager.filter(condition).values("pk"))
        return self.filter(condition)


class BaseModel(models.Model):
    """Every business record: a UUID key (safe to expose in URLs and the API) and timestamps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    visibility: ClassVar[Visibility | None] = None

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class VersionedModel(models.Model):
    """Optimistic locking: a writer states the version it read; a stale version is a conflict."""

    lock_version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One row per change made through a service, written in the same transaction as the change.

    ``action`` is a dotted code owned by the app that acts (``lead.assigned``); ``before`` and
    ``after`` hold the fields that changed. Events are never updated or deleted by the application.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("occurred at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    subject_type = models.ForeignKey(
        ContentType,
        verbose_name=_("subject type"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_id = models.CharField(_("subject id"), max_length=64)
    subject_repr = models.CharField(_("subject"), max_length=200)
    before = models.JSONField(_("before"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    message = models.CharField(_("message"), max_length=500, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "-occurred_at"], name="audit_subject_idx")
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.subject_repr}"

    def changed_fields(self) -> list[dict[str, Any]]:
        keys = sorted(set(self.before) | set(self.after))
        return [{"field": k, "before": self.before.get(k), "after": self.after.get(k)} for k in keys]
