from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openltc.core.errors import DomainError
from openltc.core.typing import AuthedHttpRequest
from openltc.org import selectors, services
from openltc.org.forms import LanguageForm, PreferencesForm, TokenForm

NEW_TOKEN_SESSION_KEY = "openltc_new_token_secret"


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthedHttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_preferences_update(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your preferences were saved."))
            response = redirect("org:profile")
            response.set_cookie(
                "django_language", form.cleaned_data["preferred_language"] or "", samesite="Lax"
            )
            return response
    return render(request, "org/profile.html", {"form": form, "roles": selectors.roles_of(request.user)})


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switches the interface language; for a signed-in user the choice is saved to the profile."""
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_preferences_update(
            user=request.user, preferred_language=language, time_zone=request.user.time_zone
        )
    translation.activate(language)
    response.set_cookie("django_language", language, samesite="Lax", max_age=365 * 24 * 3600)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: AuthedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.api_token_create(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            for field, errors in exc.field_errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            # Post/redirect/get: a reload must not create a second token. The secret travels
            # once through the session and is removed when shown.
            request.session[NEW_TOKEN_SESSION_KEY] = secret
            return redirect("org:tokens")
    new_secret = request.session.pop(NEW_TOKEN_SESSION_KEY, None) if request.method == "GET" else None
    tokens = selectors.tokens_of(request.user)
    response = render(request, "org/tokens.html", {"form": form, "tokens": tokens, "new_secret": new_secret})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: AuthedHttpRequest, token_id: str) -> HttpResponse:
    try:
        services.api_token_revoke(actor=request.user, token_id=token_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token was revoked; it no longer works."))
    return redirect("org:tokens")
