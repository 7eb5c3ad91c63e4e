from django.urls import path

from openltc.decisions import views

app_name = "decisions"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("cases/", views.case_list, name="list"),
    path("cases/open/", views.case_open, name="open"),
    path("cases/<uuid:pk>/", views.case_detail, name="case"),
    path("cases/<uuid:pk>/minutes/", views.case_minutes, name="minutes"),
    path("cases/<uuid:pk>/edit/", views.case_edit, name="edit"),
    path("cases/<uuid:pk>/checklist/<uuid:item_id>/", views.checklist_answer, name="answer"),
    path("cases/<uuid:pk>/attachments/", views.attachment_add, name="attach"),
    path("cases/<uuid:pk>/attachments/<uuid:attachment_id>/", views.attachment_download, name="attachment"),
    path("cases/<uuid:pk>/submit/", views.case_submit, name="submit"),
    path("cases/<uuid:pk>/route/", views.case_route, name="route"),
    path("cases/<uuid:pk>/opinion/", views.opinion_record, name="opinion"),
    path("cases/<uuid:pk>/decide/", views.decision_record, name="decide"),
    path("cases/<uuid:pk>/return/", views.case_return, name="return"),
    path("cases/<uuid:pk>/reopen/", views.case_reopen, name="reopen"),
    path(
        "cases/<uuid:pk>/conditions/<uuid:condition_id>/close/", views.condition_close, name="close_condition"
    ),
    path("deputies/", views.deputies, name="deputies"),
    path("deputies/<uuid:deputy_id>/revoke/", views.deputy_revoke, name="deputy_revoke"),
]
