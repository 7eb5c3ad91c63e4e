"""The organisation: people, org units in a tree, markets, countries, product lines, role
assignments and personal API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openltc.org.roles import DecisionLevel, Role

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
    _("Use 1–32 letters, digits, '-' or '_', starting with a letter or digit."),
)


class OpenLTCUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Logging in by e-mail or username, case-insensitively for e-mail.
        value = (username or "").strip()
        if "@" in value:
            return self.get(email__iexact=value)
        return self.get(username=value)


class User(AbstractUser):
    """A person who signs in. Login by username or e-mail; language and time zone are personal."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    home_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("home org unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="home_users",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    objects = OpenLTCUserManager()  # type: ignore[misc]
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="org_user_email_unique_ci",
                condition=~models.Q(email=""),
                violation_error_message=_("Another user already has this e-mail address."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        self.email = (self.email or "").strip().lower()
        if self.time_zone:
            import zoneinfo

            from django.core.exceptions import ValidationError

            try:
                zoneinfo.ZoneInfo(self.time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValidationError({"time_zone": _("Unknown time zone.")}) from None


class OrgUnit(models.Model):
    """A node of the sales organisation: company → region (地区部) → office (代表处) → team.

    ``path`` is the materialised path of codes ("/HQ/EAST/SH/"), so a subtree is one indexed
    prefix match; services keep it consistent when a unit moves or is renamed.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        REGION = "region", _("Region (地区部)")
        OFFICE = "office", _("Office (代表处)")
        TEAM = "team", _("Team")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=500, db_index=True, editable=False)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_units",
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id and self.parent else "/"
        return f"{prefix}{self.code}/"

    def ancestors_paths(self) -> list[str]:
        parts = [p for p in self.path.split("/") if p]
        return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


class Market(models.Model):
    """A market or territory grouping of countries, used by lead distribution and reports."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("market")
        verbose_name_plural = _("markets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Country(models.Model):
    """A country or region (ISO 3166 alpha-2), its market and its payment risk (1 low … 5 high)."""

    code = models.CharField(
        _("ISO code"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter ISO 3166 code in capitals."))],
    )
    name = models.CharField(_("name"), max_length=120)
    market = models.ForeignKey(
        Market,
        verbose_name=_("market"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="countries",
    )
    risk_level = models.PositiveSmallIntegerField(
        _("country risk (1–5)"),
        default=2,
        choices=[(i, str(i)) for i in range(1, 6)],
    )

    class Meta:
        verbose_name = _("country or region")
        verbose_name_plural = _("countries and regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ProductLine(models.Model):
    """A product line or series that leads, opportunities and contracts are sold under."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def current(self) -> RoleAssignmentQuerySet:
        today = timezone.localdate()
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=today),
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=today),
        )


class RoleAssignment(models.Model):
    """A role a user holds in an org unit (and the units below it), optionally for a period.

    SDT members carry the decision level at which they may decide gates.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    decision_level = models.PositiveSmallIntegerField(
        _("decision level"),
        choices=DecisionLevel.choices,
        null=True,
        blank=True,
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user__username", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org_unit"], name="org_role_assignment_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="org_role_assignment_period_valid",
                violation_error_message=_("The end date must not be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org_unit}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.role == Role.SDT_MEMBER and not self.decision_level:
            raise ValidationError({"decision_level": _("An SDT member needs a decision level.")})
        if self.role != Role.SDT_MEMBER and self.decision_level:
            raise ValidationError({"decision_level": _("Only SDT members carry a decision level.")})


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 hash of the secret is stored; the secret is shown once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return not (self.expires_at is not None and self.expires_at <= now)
