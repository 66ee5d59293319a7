from django.urls import path

from tickets.views import public

app_name = "tickets"
urlpatterns = [
    path("status/<str:token>/", public.status, name="status"),
]
