"""WebSocket routes of the annotations app (mounted by project/asgi.py)."""

from django.urls import path, re_path

from .consumers import NoSuchSocket, SourceUpdatesConsumer

websocket_urlpatterns = [
    path("ws/sources/<slug:slug>/", SourceUpdatesConsumer.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),
]
