from django.urls import include, path

from openltc.leads import views

app_name = "leads"

urlpatterns = [
    path("", views.lead_list, name="list"),
    path("board/", views.lead_board, name="board"),
    path("new/", views.lead_create, name="create"),
    path("bulk/", views.lead_bulk, name="bulk"),
    path("import/", include("openltc.leads.import_urls")),
    path("<uuid:pk>/", views.lead_detail, name="detail"),
    path("<uuid:pk>/edit/", views.lead_edit, name="edit"),
    path("<uuid:pk>/validate/", views.lead_validate, name="validate"),
    path("<uuid:pk>/action/<str:action>/", views.lead_action, name="action"),
    path("<uuid:pk>/assign/", views.lead_assign, name="assign"),
    path("<uuid:pk>/activity/", views.lead_activity, name="activity"),
    path("<uuid:pk>/criterion/<int:criterion_id>/", views.lead_criterion, name="criterion"),
    path("<uuid:pk>/convert/", views.lead_convert, name="convert"),
    path("<uuid:pk>/merge/", views.lead_merge, name="merge"),
]
