"""Lead import URLs, included by the leads app at ``leads/import/``."""

from django.urls import path

from openltc.leads import import_views

urlpatterns = [
    path("", import_views.lead_import_upload, name="leads_import_upload"),
    path("<uuid:pk>/", import_views.lead_import_preview, name="leads_import_preview"),
    path("<uuid:pk>/status/", import_views.lead_import_status, name="leads_import_status"),
    path("<uuid:pk>/errors.csv", import_views.lead_import_errors, name="leads_import_errors"),
]
