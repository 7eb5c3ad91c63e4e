from django.urls import path

from openltc.delivery import views

app_name = "delivery"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<uuid:pk>/", views.project_detail, name="detail"),
    path("<uuid:pk>/acceptances/<uuid:acceptance_id>/evidence/", views.evidence_download, name="evidence"),
    path("<uuid:pk>/team/<uuid:member_id>/remove/", views.member_remove, name="member_remove"),
    path("<uuid:pk>/findings/<uuid:finding_id>/close/", views.finding_close, name="finding_close"),
    path("<uuid:pk>/actions/<uuid:action_id>/done/", views.action_done, name="action_done"),
    path("<uuid:pk>/<slug:code>/", views.project_form, name="form"),
    path("<uuid:pk>/<slug:code>/<uuid:target_id>/", views.record_form, name="record_form"),
]
