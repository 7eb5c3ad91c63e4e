"""Shared model pieces: the base model, the restricted queryset and the audit log."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from openltc.core.visibility import VIEW, Visibility, unit_always_set, user_scope

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
        if rule.org_unit and scope.all_units(action) and unit_always_set(self.model, rule.org_unit):
            # Every row has a unit and every unit is within reach (company-wide roles): the
            # condition below would hold for every row.
            return self
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


class SavedView(BaseModel):
    """A user's named filter set for one list page (``list_key``), kept as a query string.

    Only the filter keys the list page declares are stored; the page number never is. At most
    one view per user and list is the default, opened when the list is visited without filters.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    list_key = models.CharField(_("list"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    query_string = models.CharField(_("filters"), max_length=2000, blank=True)
    is_default = models.BooleanField(_("default view"), default=False)

    visibility = Visibility(org_unit=None, owners=("user",))

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["list_key", "name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key", "name"], name="saved_view_unique_name"),
            models.UniqueConstraint(
                fields=["user", "list_key"],
                condition=models.Q(is_default=True),
                name="saved_view_one_default",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="saved_view_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.list_key}: {self.name}"


class ImportJob(BaseModel):
    """One bulk import of a spreadsheet: the stored file, the column mapping, progress and outcome.

    The rows themselves are never kept in the database; the file is read again as a stream for
    the preview and for the run. Problems found in rows are :class:`ImportRowError` rows.
    """

    class Mode(models.TextChoices):
        # Every row is validated first; if any row is bad nothing at all is written.
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
        # Good rows are written, bad rows are skipped and listed in the report.
        VALID_ROWS = "valid_rows", _("Import valid rows")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")  # file stored, columns not yet confirmed
        PREVIEWED = "previewed", _("Previewed")  # mapping confirmed, the user saw the first rows
        QUEUED = "queued", _("Queued")  # waiting for the background worker
        RUNNING = "running", _("Running")  # the worker is reading and writing rows
        DONE = "done", _("Done")  # finished; counters and the row report are final
        FAILED = "failed", _("Failed")  # stopped: all-or-nothing found bad rows, or the file was unreadable

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300)
    original_filename = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("file format"), max_length=8)
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    created_rows = models.PositiveIntegerField(_("created"), default=0)
    skipped_rows = models.PositiveIntegerField(_("skipped"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    visibility = Visibility(org_unit=None, owners=("user",))

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="import_job_progress_lte_100"),
            models.CheckConstraint(
                condition=models.Q(mode__in=["all_or_nothing", "valid_rows"]), name="import_job_mode_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["uploaded", "previewed", "queued", "running", "done", "failed"]
                ),
                name="import_job_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.original_filename}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportRowError(models.Model):
    """One problem found in one row of an import file; the row number counts as in the file
    (the header is row 1)."""

    class Kind(models.TextChoices):
        ERROR = "error", _("Error")  # the row is invalid and was not imported
        DUPLICATE = "duplicate", _("Duplicate")  # the row repeats an existing record and was skipped

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey(
        ImportJob,
        verbose_name=_("import job"),
        on_delete=models.CASCADE,
        related_name="row_errors",
    )
    row_number = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ERROR)
    message = models.CharField(_("message"), max_length=500)

    class Meta:
        verbose_name = _("import row error")
        verbose_name_plural = _("import row errors")
        ordering = ["job", "row_number", "id"]
        indexes = [models.Index(fields=["job", "row_number"], name="import_row_error_job_row_idx")]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.message}"


class NumberSequence(models.Model):
    """The last number issued under one key (a prefix and a period, such as ``OPP-2026`` or
    ``INV-SH01-2026``). ``core.sequences.next_value`` locks the row in the caller's transaction,
    so a rolled-back insert gives its number back and numbers stay gap-free."""

    key = models.CharField(_("key"), max_length=64, unique=True)
    last_value = models.PositiveBigIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"
