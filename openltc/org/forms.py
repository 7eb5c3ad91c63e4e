from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from openltc.org.models import User


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    class Meta:
        model = User
        fields = ["display_name", "preferred_language", "time_zone"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        zones = sorted(zoneinfo.available_timezones())
        self.fields["time_zone"].choices = [("", _("Company default"))] + [(z, z) for z in zones]  # type: ignore[attr-defined]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=500)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    expires_at = forms.DateTimeField(
        label=_("Expires at (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class LoginForm(AuthenticationForm):
    """Django's login form sets max_length only on the widget; refusing an over-long username
    here keeps it away from authentication and the login-failure log (varchar(255))."""

    def clean_username(self) -> str:
        username = self.cleaned_data.get("username") or ""
        if len(username) > 254:
            raise forms.ValidationError(_("Enter a username or e-mail address of at most 254 characters."))
        return username
