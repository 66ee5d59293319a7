"""Webhook and intake URLs: one include per channel folder."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("email/", include("channels_intake.email.urls")),
]
