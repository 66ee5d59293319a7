from django.urls import path

from tickets.views import contact, status

app_name = "tickets"
urlpatterns = [
    path("contact/", contact.contact, name="contact"),
    path("contact/sent/", contact.sent, name="contact_sent"),
    path("contact/thanks/<str:token>/", contact.thanks, name="contact_thanks"),
    path("status/<str:token>/", status.status, name="status"),
    path("status/<str:token>/files/<int:pk>/", status.attachment, name="status_attachment"),
]
