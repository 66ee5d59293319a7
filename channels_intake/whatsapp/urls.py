from django.urls import path

from channels_intake.whatsapp import views

app_name = "whatsapp"
urlpatterns = [
    path("", views.webhook, name="webhook"),
    path("<slug:account>/", views.webhook, name="webhook-account"),
]
