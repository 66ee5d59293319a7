"""/api/: tickets, contacts and attachment downloads for agents (schema at /api/schema/, docs at /api/docs/)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from tickets.api.contacts import ContactViewSet
from tickets.api.views import AttachmentDownloadView, TicketViewSet

app_name = "api"

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("attachments/<int:pk>/download/", AttachmentDownloadView.as_view(), name="attachment-download"),
]
