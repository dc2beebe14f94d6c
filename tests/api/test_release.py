"""What a REST view built is freed by reference counting once its response is rendered
(config.middleware.ReleaseViewMiddleware): DRF's view, request, response and serializers
hold one another in reference cycles, left to the cyclic garbage collector, whose runs
over a server's heap were two fifths of a queue page's CPU (docs/deploy.md §11)."""

import contextlib
import gc
import weakref

from django.db.models.signals import post_init

from mediation.models import Organization


@contextlib.contextmanager
def organisations_built_without_the_collector():
    """Weak references to every Organization made inside, with the collector off."""
    built: list[weakref.ref] = []

    def record(sender, instance, **kwargs):
        built.append(weakref.ref(instance))

    post_init.connect(record, sender=Organization)
    gc.collect()
    gc.disable()
    try:
        yield built
    finally:
        gc.enable()
        post_init.disconnect(record, sender=Organization)


def test_a_serialized_list_is_freed_without_the_cycle_collector(api, world):
    """A list written by a serializer (many=True): its ReturnList points at the list
    serializer, which holds the instances and is itself a cycle with its child and its
    fields. Organisations, as GET /api/organizations/ reads them."""
    client = api(world.head)
    with organisations_built_without_the_collector() as built:
        r = client.get("/api/organizations/")
        rows = r.json()["results"]
        assert r.status_code == 200 and len(rows) == Organization.objects.count() > 2
        assert len(built) == len(rows)
        assert [ref() for ref in built if ref() is not None] == []


def test_a_serialized_object_is_freed_without_the_cycle_collector(api, world):
    """One object written by a serializer (a ReturnDict): GET /api/organizations/<id>/."""
    client = api(world.head)
    with organisations_built_without_the_collector() as built:
        r = client.get(f"/api/organizations/{world.home.pk}/")
        assert r.status_code == 200 and r.json()["id"] == world.home.pk
        assert len(built) == 1 and built[0]() is None
