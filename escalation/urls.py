from django.urls import path

from escalation.views import dashboard, desk

app_name = "escalation"
urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("notifications/", desk.notifications, name="notifications"),
    path("tickets/<int:pk>/escalate/", desk.escalate_ticket, name="escalate_ticket"),
]
