"""Webhook and intake URLs: one include per channel folder."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
