from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from openltc.analytics.models import (
    AnalyticsSettings,
    ForecastAdjustment,
    ForecastSnapshot,
    JobProgress,
    Quota,
)


@admin.register(AnalyticsSettings)
class AnalyticsSettingsAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "funnel_period_days",
        "pipeline_months",
        "stuck_factor_percent",
        "high_percentile",
    )

    def has_add_permission(self, request: object) -> bool:
        return not AnalyticsSettings.objects.exists()


@admin.register(Quota)
class QuotaAdmin(SimpleHistoryAdmin):
    list_display = ("org_unit", "user", "period_start", "period_end", "amount", "currency")
    list_filter = ("org_unit", "period_start")
    search_fields = ("user__username", "org_unit__name")
    autocomplete_fields = ("user",)
    date_hierarchy = "period_start"


@admin.register(ForecastAdjustment)
class ForecastAdjustmentAdmin(admin.ModelAdmin):
    list_display = ("org_unit", "period", "category", "amount", "system_amount", "adjusted_by", "created_at")
    list_filter = ("category", "period")
    readonly_fields = [f.name for f in ForecastAdjustment._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ForecastSnapshot)
class ForecastSnapshotAdmin(admin.ModelAdmin):
    list_display = (
        "week",
        "period",
        "owner",
        "org_unit",
        "category",
        "deals",
        "amount",
        "weighted",
        "from_history",
    )
    list_filter = ("week", "category", "from_history")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(JobProgress)
class JobProgressAdmin(admin.ModelAdmin):
    list_display = ("job", "filled_until", "last_run_at", "rows_written")
    readonly_fields = ("job", "filled_until", "last_run_at", "rows_written")

    def has_add_permission(self, request: object) -> bool:
        return False
