from django.urls import path

from openltc.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("duplicates/", views.customer_duplicates, name="duplicates"),
    path("actions/", views.my_actions, name="actions"),
    path("<uuid:pk>/", views.customer_detail, name="detail"),
    path("<uuid:pk>/edit/", views.customer_edit, name="edit"),
    path("<uuid:pk>/merge/<uuid:other>/", views.customer_merge, name="merge"),
    path("<uuid:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<uuid:pk>/contacts/merge/", views.contact_merge, name="contact_merge"),
    path("<uuid:pk>/relationships/new/", views.relationship_create, name="relationship_create"),
    path("<uuid:pk>/plans/new/", views.plan_create, name="plan_create"),
    path("<uuid:pk>/surveys/new/", views.survey_create, name="survey_create"),
    path("contacts/<uuid:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<uuid:pk>/stance/", views.contact_stance, name="contact_stance"),
    path("relationships/<uuid:pk>/delete/", views.relationship_delete, name="relationship_delete"),
    path("plans/<uuid:pk>/status/", views.plan_status, name="plan_status"),
    path("plans/<uuid:pk>/actions/new/", views.action_create, name="action_create"),
    path("actions/<uuid:pk>/complete/", views.action_complete, name="action_complete"),
]
