from django.urls import path

from openltc.guidance import views

app_name = "guidance"

urlpatterns = [
    path("playbooks/", views.playbook_list, name="playbooks"),
    path("templates/<uuid:pk>/", views.template_download, name="template_download"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<uuid:pk>/<slug:code>/", views.action_transition, name="action_transition"),
    path("opportunity/<uuid:pk>/", views.opportunity_guidance, name="opportunity"),
    path("opportunity/<uuid:pk>/tasks/<uuid:task_id>/", views.checklist_tick, name="tick"),
    path("opportunity/<uuid:pk>/appeals/", views.appeals, name="appeals"),
    path("opportunity/<uuid:pk>/appeals/<int:number>/", views.appeals_version, name="appeals_version"),
    path("opportunity/<uuid:pk>/fabe/", views.fabe, name="fabe"),
    path("opportunity/<uuid:pk>/activities/", views.activity_list, name="activities"),
    path("opportunity/<uuid:pk>/actions/", views.action_add, name="action_add"),
    path("fabe/<uuid:pk>/edit/", views.fabe_edit, name="fabe_edit"),
    path("fabe/<uuid:pk>/delete/", views.fabe_delete, name="fabe_delete"),
    path("activities/<uuid:pk>/edit/", views.activity_edit, name="activity_edit"),
]
