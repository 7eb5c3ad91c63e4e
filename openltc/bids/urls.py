from django.urls import path

from openltc.bids import views

app_name = "bids"

urlpatterns = [
    path("", views.bid_list, name="list"),
    path("new/<uuid:opportunity_pk>/", views.bid_create, name="create"),
    path("negotiation/<uuid:opportunity_pk>/", views.negotiation_detail, name="negotiation"),
    path(
        "negotiation/<uuid:opportunity_pk>/<slug:code>/", views.negotiation_action, name="negotiation_action"
    ),
    path("<uuid:pk>/", views.bid_detail, name="detail"),
    path("<uuid:pk>/edit/", views.bid_edit, name="edit"),
    path("<uuid:pk>/<slug:code>/", views.bid_action, name="action"),
]
