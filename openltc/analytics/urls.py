from django.urls import URLPattern, URLResolver, path

from openltc.analytics import views

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("me/", views.my_dashboard, name="my_dashboard"),
    path("funnel/", views.funnel, name="funnel"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("forecast/", views.forecast, name="forecast"),
    path("forecast/adjust/", views.forecast_adjust, name="forecast_adjust"),
    path("win-loss/", views.win_loss, name="win_loss"),
    path("cycle-times/", views.cycle_times, name="cycle_times"),
    path("team-kpis/", views.team_kpis, name="team_kpis"),
    path("process/", views.process, name="process"),
    path("records/", views.records, name="records"),
]
