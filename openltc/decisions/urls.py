from django.urls import path

from openltc.decisions import views

app_name = "decisions"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("cases/", views.case_list, name="list"),
    path("cases/<uuid:pk>/", views.case_detail, name="case"),
]
