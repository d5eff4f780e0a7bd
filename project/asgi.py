"""The ASGI application: Django's HTTP handler plus the reader's live-update sockets
(``/ws/sources/<slug>/``, apps/annotations/consumers.py).

`make run` serves both from one uvicorn process. In production gunicorn (WSGI) may keep
serving HTTP while uvicorn serves ``/ws/`` behind the same proxy (docs/deploy.md); both
share PostgreSQL and the Redis channel layer."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
# Before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from apps.annotations.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # A page of another origin may not open a socket with the visitor's cookies
        # (cross-site WebSocket hijacking): the Origin must be one of ALLOWED_HOSTS.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
