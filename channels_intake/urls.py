"""Webhook and intake URLs: one include per channel folder."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("email/", include("channels_intake.email.urls")),
    path("whatsapp/", include("channels_intake.whatsapp.urls")),
    path("instagram/", include("channels_intake.instagram.urls")),
    path("messenger/", include("channels_intake.messenger.urls")),
    path("x/", include("channels_intake.x.urls")),
]
