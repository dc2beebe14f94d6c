"""Idempotency keys of the creating POSTs (DESIGN.md §12.3): the first answer to a key,
replayed for 24 h. Written and read only by mediation.api.idempotency."""

import datetime as dt

from django.db import models

KEPT = dt.timedelta(hours=24)


class IdempotencyKey(models.Model):
    """One client key per caller (`scope`: a user, or an anonymous address) and the answer
    it got. `status` is null only inside the first request's own transaction, which holds
    the unique row until it commits: a concurrent duplicate waits on it."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # sha256 of method, path and JSON body
    status = models.PositiveSmallIntegerField(null=True)
    # The answer's JSON as text: replayed byte for byte (jsonb would reorder its keys).
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_once")
        ]
