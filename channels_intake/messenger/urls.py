from django.urls import path

from channels_intake.messenger import views

app_name = "messenger"
urlpatterns = [
    path("", views.webhook, name="webhook"),
    path("<slug:account>/", views.webhook, name="webhook-account"),
]
