from django.urls import path

from channels_intake.instagram import views

app_name = "instagram"
urlpatterns = [
    path("", views.webhook, name="webhook"),
    path("<slug:account>/", views.webhook, name="webhook-account"),
]
