from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import SimpleLazyObject, empty


class ChineseFirstMiddleware(MiddlewareMixin):
    """Simplified Chinese unless the user chose another language (language cookie).

    Township desks often run browsers installed in English; the browser's Accept-Language
    must not switch the UI away from the contract's default (DESIGN.md §9)."""

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)


class LazyMessageMiddleware(MessageMiddleware):
    """Django's message middleware, with the storage made when something uses it.

    Django's makes a cookie storage and a session storage, with a cookie signer, for every
    request; the API never shows a message, and on the case list that was a fiftieth of
    the request's time (py-spy). A request that never touched its messages has none to
    store, so its response is left as it is."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)
