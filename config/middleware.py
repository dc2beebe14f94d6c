from django.utils.deprecation import MiddlewareMixin


class ChineseFirstMiddleware(MiddlewareMixin):
    """Simplified Chinese unless the user chose another language (language cookie).

    Township desks often run browsers installed in English; the browser's Accept-Language
    must not switch the UI away from the contract's default (DESIGN.md §9)."""

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
