"""Live chat URLs, mounted at /chat/ (supportdesk/urls.py): the widget script and API, and agent fragments."""

from django.urls import path

from channels_intake.chat import agent_views, views

app_name = "chat"
urlpatterns = [
    path("widget.js", views.widget_js, name="widget-js"),
    path("demo/", views.demo, name="demo"),
    path("api/<str:key>/config/", views.config, name="config"),
    path("api/<str:key>/start/", views.start, name="start"),
    path("api/<str:key>/offline/", views.offline, name="offline"),
    path("api/<str:key>/rpc/", views.rpc, name="rpc"),
    path("api/<str:key>/upload/", views.upload, name="upload"),
    path("api/<str:key>/transcript/", views.transcript_request, name="transcript"),
    path("files/<str:token>/", views.file, name="file"),
    # Agents
    path("agent/", agent_views.chats, name="agent-chats"),
    path("agent/tickets/<int:pk>/", agent_views.chat_page, name="agent-ticket"),
    path("agent/tickets/<int:pk>/reply/", agent_views.reply, name="agent-reply"),
    path("agent/files/<int:pk>/", agent_views.attachment, name="agent-file"),
    path("agent/presence/", agent_views.presence_page, name="agent-presence"),
    path("agent/presence/set/", agent_views.set_presence, name="agent-presence-set"),
    path("agent/fragments/inbox/", agent_views.inbox_fragment, name="agent-inbox"),
    path("agent/fragments/tickets/<int:pk>/row/", agent_views.row_fragment, name="agent-row"),
    path(
        "agent/fragments/tickets/<int:pk>/conversation/",
        agent_views.conversation_fragment,
        name="agent-conversation",
    ),
    path("agent/fragments/presence/", agent_views.presence_fragment, name="agent-presence-board"),
]
