from django.urls import path

from escalation.views import public

app_name = "escalation_public"
urlpatterns = [
    path("status/<str:token>/escalate/", public.request_escalation, name="request"),
    path("status/<str:token>/help/", public.dispute_help, name="dispute_help"),
]
