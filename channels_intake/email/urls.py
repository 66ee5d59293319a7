from django.urls import path

from channels_intake.email import views

urlpatterns = [
    path("raw/", views.raw_intake, name="email-raw-intake"),
]
