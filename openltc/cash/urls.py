from django.urls import URLPattern, URLResolver, path

from openltc.cash import views

app_name = "cash"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.workspace, name="workspace"),
    path("receivables/", views.receivables, name="receivables"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<uuid:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<uuid:pk>/print/", views.invoice_print, name="invoice_print"),
    path("invoices/<uuid:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<uuid:pk>/credit/", views.invoice_credit, name="invoice_credit"),
    path("invoices/<uuid:pk>/collect/", views.collection_log, name="collection_log"),
    path("invoices/<uuid:pk>/dispute/", views.dispute_open, name="dispute_open"),
    path("invoices/<uuid:pk>/write-off/", views.write_off_request, name="write_off_request"),
    path("contracts/<uuid:contract_pk>/invoice/", views.invoice_create, name="invoice_create"),
    path("write-offs/<uuid:pk>/decide/", views.write_off_decide, name="write_off_decide"),
    path("disputes/<uuid:pk>/close/", views.dispute_close, name="dispute_close"),
    path("receipts/", views.receipt_list, name="receipts"),
    path("receipts/new/", views.receipt_create, name="receipt_create"),
    path("receipts/<uuid:pk>/", views.receipt_detail, name="receipt_detail"),
    path("receipts/<uuid:pk>/allocate/", views.receipt_allocate, name="receipt_allocate"),
    path("receipts/<uuid:pk>/reverse/", views.receipt_reverse, name="receipt_reverse"),
]
