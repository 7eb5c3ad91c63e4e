from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from openltc.api.api import api
from openltc.core import views as core_views
from openltc.org.forms import LoginForm

admin.site.site_header = _("OpenLTC administration")
admin.site.site_title = _("OpenLTC administration")
admin.site.index_title = _("Organisation and configuration")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("history/<str:app_label>/<str:model_name>/<str:pk>/", core_views.record_history, name="history"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("org/", include("openltc.org.urls")),
    path("views/", include("openltc.core.saved_views_urls")),
    path("customers/", include("openltc.customers.urls")),
    path("leads/", include("openltc.leads.urls")),
    path("opportunities/", include("openltc.opportunities.urls")),
    path("decisions/", include("openltc.decisions.urls")),
    path("contracts/", include("openltc.contracts.urls")),
    path("guidance/", include("openltc.guidance.urls")),
    path("bids/", include("openltc.bids.urls")),
    path("delivery/", include("openltc.delivery.urls")),
    path("cash/", include("openltc.cash.urls")),
    path("analytics/", include("openltc.analytics.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
