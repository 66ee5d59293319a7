from django.urls import path

from tickets.views.desk import files, inbox, parts, phone, ticket, ticket_actions

app_name = "desk"
urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("tickets/<int:pk>/", ticket.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/parts/", parts.ticket_parts, name="ticket-parts"),
    path("tickets/<int:pk>/canned/<int:reply_pk>/", ticket.canned_reply, name="canned-reply"),
    path("tickets/<int:pk>/reply/", ticket_actions.reply, name="reply"),
    path("tickets/<int:pk>/template/", ticket_actions.send_template, name="template"),
    path("tickets/<int:pk>/note/", ticket_actions.note, name="note"),
    path("tickets/<int:pk>/take/", ticket_actions.take, name="take"),
    path("tickets/<int:pk>/assign/", ticket_actions.assign, name="assign"),
    path("tickets/<int:pk>/team/", ticket_actions.set_team, name="team"),
    path("tickets/<int:pk>/status/", ticket_actions.change_status, name="status"),
    path("tickets/<int:pk>/priority/", ticket_actions.set_priority, name="priority"),
    path("tickets/<int:pk>/category/", ticket_actions.set_category, name="category"),
    path("tickets/<int:pk>/tags/", ticket_actions.set_tags, name="tags"),
    path("tickets/<int:pk>/order/", ticket_actions.set_order_ref, name="order"),
    path("tickets/<int:pk>/merge/", ticket_actions.merge, name="merge"),
    path("tickets/<int:pk>/merge-contact/", ticket_actions.merge_contact, name="merge-contact"),
    path("attachments/<int:pk>/", files.download_attachment, name="attachment"),
    path("phone/new/", phone.new_phone_ticket, name="phone-ticket"),
]
