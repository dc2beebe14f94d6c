from django.utils.deprecation import MiddlewareMixin


class ChineseFirstMiddleware(MiddlewareMixin):
    """Simplified Chinese unless the user chose another language (language cookie).

    Township desks often run browsers installed in English; the browser's Accept-Language
    must not switch the UI away from the contract's default (DESIGN.md §9)."""

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)


class AccessLogMiddleware:
    """The access log: who asked for which path, the answer and its time. Only the path is
    logged, never the query string, which carries search terms (names, ID and phone
    numbers typed into `q`); run daphne with `-v 0` so its own full-URI log stays off."""

    def __init__(self, get_response):
        import logging

        self.get_response = get_response
        self.log = logging.getLogger("datiaojie.access")

    def __call__(self, request):
        import time

        started = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        self.log.info(
            '%s "%s %s" %s %dms user=%s',
            request.META.get("REMOTE_ADDR", "-"),
            request.method,
            request.path,
            response.status_code,
            (time.monotonic() - started) * 1000,
            user.pk if user is not None and user.is_authenticated else "-",
        )
        return response
