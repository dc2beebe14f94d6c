import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)  # what get_asgi_application() does, before the imports below

from config.threads import OneHopASGIHandler, reuse_request_threads  # noqa: E402

django_asgi_app = OneHopASGIHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from config import daphne_guard  # noqa: E402
from config.asgi_types import ASGIApp, Receive, Scope, Send  # noqa: E402
from config.limits import BodyLimitMiddleware  # noqa: E402
from mediation.live import relay as live  # noqa: E402
from mediation.live import webhooks  # noqa: E402
from mediation.live.routing import websocket_application  # noqa: E402
from mediation.ops import metrics, sweeper  # noqa: E402

# The embedded default serves its own static files (no CDN, no nginx needed for `make run`).
http_app: ASGIApp = (
    ASGIStaticFilesHandler(django_asgi_app) if settings.SERVE_STATIC else django_asgi_app
)
http_app = reuse_request_threads(http_app)

router = metrics.instrument(
    ProtocolTypeRouter(
        {"http": BodyLimitMiddleware(http_app), "websocket": websocket_application()}
    )
)
metrics.clean_dead_processes()
# Under daphne, a too-big body is refused as it arrives, before daphne buffers it.
daphne_guard.install()


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    # daphne has no lifespan events: bind the live hub (publisher, relay, fan-out) to the
    # server's loop on the first call of any kind. Cheap after the first call.
    live.touch()
    # Deadlines are swept inside the server on the embedded default (no cron needed).
    sweeper.start()
    # Webhooks are delivered by a thread of their own, never in a request (DESIGN §12.3).
    webhooks.start()
    return await router(scope, receive, send)
