from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import SimpleLazyObject, empty
from rest_framework.response import Response


class ChineseFirstMiddleware(MiddlewareMixin):
    """Simplified Chinese unless the user chose another language (language cookie).

    Township desks often run browsers installed in English; the browser's Accept-Language
    must not switch the UI away from the contract's default (DESIGN.md §9)."""

    def process_request(self, request: HttpRequest) -> None:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)


class LazyMessageMiddleware(MessageMiddleware):
    """Django's message middleware, with the storage made when something uses it.

    Django's makes a cookie storage and a session storage, with a cookie signer, for every
    request; the API never shows a message, and the case list should not pay for them. A
    request that never touched its messages has none to store, so its response is left as
    it is."""

    def process_request(self, request: HttpRequest) -> None:
        # Django's own slot for the storage (the stubs leave it out)
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = getattr(request, "_messages", None)
        # LazyObject's own slot, `empty` until first used (the stubs leave it out)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:  # type: ignore[attr-defined]
            return response
        return super().process_response(request, response)


class ReleaseViewMiddleware(MiddlewareMixin):
    """Once a REST response is rendered, break the reference cycles DRF leaves behind, so
    what the view built is freed by reference counting when the request ends, not by the
    cyclic garbage collector.

    DRF's view holds its request and its response, and both point back at the view (the
    request's parser context also points at the request itself, the response's renderer
    context at the response), and a serializer's data points at the serializer, a cycle
    with its fields that holds the instances. Everything the view reached (a queue page:
    some 800 objects, its cases, parties and JSON rows) was left in those cycles. In a daphne
    process, with its large heap, collecting them was a large share of a queue page's CPU.
    After rendering nothing reads them: the body is bytes. tests/api/test_release.py and
    test_case_list.py check that a list is freed with the collector off."""

    def process_template_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if isinstance(response, Response):
            response.add_post_render_callback(release_view)
        return response


def release_view(response: Response) -> None:
    # set by DRF when it finalised the response (the stubs leave it out)
    context = getattr(response, "renderer_context", None) or {}
    # The renderer's context points back at the response, at the view and at the request.
    context.pop("response", None)
    view, drf_request = context.pop("view", None), context.pop("request", None)
    if view is not None:
        for name in ("request", "response", "_paginator"):
            view.__dict__.pop(name, None)
    parser_context = getattr(drf_request, "parser_context", None)
    if parser_context:
        parser_context.pop("request", None)
        parser_context.pop("view", None)
    # A serializer's data (ReturnList, ReturnDict: the body, or a page's "results") points
    # at its serializer, which holds the instances and is a cycle with its fields (and a
    # list serializer with its child).
    data = response.data
    for value in (data, data.get("results") if isinstance(data, dict) else None):
        serializer = getattr(value, "serializer", None)
        if value is None or serializer is None:
            continue
        value.serializer = None
        # A list serializer's child was made with the same arguments (DRF's many_init).
        for s in (serializer, getattr(serializer, "child", None)):
            if s is not None:
                s.instance = None
                for name in ("_args", "_kwargs", "_data"):
                    s.__dict__.pop(name, None)
