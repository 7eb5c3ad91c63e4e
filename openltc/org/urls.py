from django.urls import path

from openltc.org import views

app_name = "org"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_list, name="tokens"),
    path("profile/tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("language/", views.language_switch, name="language"),
]
