from django.urls import path

from channels_intake.x import views

app_name = "x"
urlpatterns = [
    path("", views.webhook, name="webhook"),
    path("<slug:account>/", views.webhook, name="webhook-account"),
]
