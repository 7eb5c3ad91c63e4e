from django.urls import path

from openltc.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("new/", views.contract_create, name="create"),
    path("<uuid:pk>/", views.contract_detail, name="detail"),
    path("<uuid:pk>/edit/", views.contract_edit, name="edit"),
    path("<uuid:pk>/versions/compare/", views.version_compare, name="compare"),
    path("<uuid:pk>/atc-case/", views.open_atc_case, name="open_atc_case"),
    path("<uuid:pk>/atcc-case/", views.open_atcc_case, name="open_atcc_case"),
    path("<uuid:pk>/changes/new/", views.change_create, name="change_create"),
    path("<uuid:pk>/changes/<uuid:change_id>/", views.change_detail, name="change"),
    path("<uuid:pk>/changes/<uuid:change_id>/edit/", views.change_edit, name="change_edit"),
    path("<uuid:pk>/changes/<uuid:change_id>/<slug:code>/", views.change_action, name="change_action"),
    path("<uuid:pk>/countersign/<uuid:step_id>/", views.countersign, name="countersign"),
    path("<uuid:pk>/plan/<uuid:line_id>/trigger/", views.plan_trigger, name="plan_trigger"),
    path("<uuid:pk>/<slug:code>/", views.contract_action, name="action"),
]
