from django.urls import path

from openltc.opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("board/", views.opportunity_board, name="board"),
    path("new/", views.opportunity_create, name="create"),
    path("portfolio/", views.opportunity_portfolio, name="portfolio"),
    path("appointments/<uuid:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<uuid:pk>/pdf/", views.appointment_pdf, name="appointment_pdf"),
    path("<uuid:pk>/", views.opportunity_detail, name="detail"),
    path("<uuid:pk>/edit/", views.opportunity_edit, name="edit"),
    path("<uuid:pk>/probability/", views.opportunity_probability, name="probability"),
    path("<uuid:pk>/forecast/", views.opportunity_forecast, name="forecast"),
    path("<uuid:pk>/close-lost/", views.opportunity_close_lost, name="close_lost"),
    path("<uuid:pk>/abandon/", views.opportunity_abandon, name="abandon"),
    path("<uuid:pk>/advance/", views.opportunity_advance, name="advance"),
    path("<uuid:pk>/team/", views.team_add, name="team_add"),
    path("<uuid:pk>/grade/", views.opportunity_grade, name="grade"),
    path("<uuid:pk>/grade/override/", views.opportunity_grade_override, name="grade_override"),
    path("<uuid:pk>/evaluation/", views.opportunity_evaluation, name="evaluation"),
    path("<uuid:pk>/charter/", views.opportunity_charter, name="charter"),
    path("<uuid:pk>/appoint/", views.team_appoint, name="appoint"),
    path("<uuid:pk>/team/<uuid:member_id>/remove/", views.team_remove, name="team_remove"),
]
