from django.urls import URLPattern, URLResolver

app_name = "cash"

urlpatterns: list[URLPattern | URLResolver] = []
