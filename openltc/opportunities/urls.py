from django.urls import path

from openltc.opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("board/", views.opportunity_board, name="board"),
    path("new/", views.opportunity_create, name="create"),
    path("<uuid:pk>/", views.opportunity_detail, name="detail"),
    path("<uuid:pk>/edit/", views.opportunity_edit, name="edit"),
    path("<uuid:pk>/probability/", views.opportunity_probability, name="probability"),
    path("<uuid:pk>/forecast/", views.opportunity_forecast, name="forecast"),
    path("<uuid:pk>/close-lost/", views.opportunity_close_lost, name="close_lost"),
    path("<uuid:pk>/abandon/", views.opportunity_abandon, name="abandon"),
    path("<uuid:pk>/advance/", views.opportunity_advance, name="advance"),
    path("<uuid:pk>/team/", views.team_add, name="team_add"),
    path("<uuid:pk>/team/<uuid:member_id>/remove/", views.team_remove, name="team_remove"),
]
