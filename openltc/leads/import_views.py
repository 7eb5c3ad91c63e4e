"""The lead import pages: the generic import views bound to :class:`LeadImporter`."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from openltc.core import imports as generic
from openltc.leads.imports import LeadImporter

PREFIX = "leads"  # URL names: leads_import_upload, leads_import_preview, ...


def lead_import_upload(request: HttpRequest) -> HttpResponse:
    return generic.upload_view(request, importer=LeadImporter, prefix=PREFIX)


def lead_import_preview(request: HttpRequest, pk: UUID) -> HttpResponse:
    return generic.preview_view(request, pk, importer=LeadImporter, prefix=PREFIX)


def lead_import_status(request: HttpRequest, pk: UUID) -> HttpResponse:
    return generic.status_view(request, pk, importer=LeadImporter, prefix=PREFIX)


def lead_import_errors(request: HttpRequest, pk: UUID) -> HttpResponseBase:
    return generic.errors_view(request, pk, importer=LeadImporter, prefix=PREFIX)
