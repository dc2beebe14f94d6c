"""`manage.py rotate_pii_key`: re-encrypt personal data at rest under a new PII_KEY.

Run with the new key as PII_KEY and the old one as PII_KEY_OLD (environment, never the
command line where `ps` shows it). Every SM4 column of every model (EncryptedCharField)
is decrypted with whichever key opens it and written again under the new key, with its
keyed-hash lookup column recomputed; every stored document and attachment is re-sealed.
Rows go in batches, each batch one transaction, and a value or file already under the new
key is left alone, so an interrupted run is simply run again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction

from mediation.models import Attachment, Document, crypto

BATCH = 1000


class RotationError(Exception):
    pass


@dataclass
class Rotated:
    values: int = 0
    files: int = 0


def _under_either(value: str, old: str) -> str:
    try:
        return crypto.decrypt(value)  # already rotated (a run that was interrupted)
    except crypto.DecryptionError:
        return crypto.decrypt(value, old)


Digests = dict[str, tuple[str, str]]


def _encrypted_models() -> Iterator[tuple[type[models.Model], list[str], Digests]]:
    """(model, encrypted columns, {digest column: (kind, source column)})."""
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        enc = [f.column for f in fields if isinstance(f, crypto.EncryptedCharField)]
        if not enc:
            continue
        column = {f.name: f.column for f in fields}
        digests = {
            f.column: (f.kind, column[f.source])
            for f in fields
            if isinstance(f, crypto.LookupDigestField)
        }
        yield model, enc, digests


def rotate(old: str) -> Rotated:
    """Re-encrypt every SM4 column and re-seal every stored file under the current key."""
    if old == settings.PII_KEY:
        raise RotationError("PII_KEY_OLD equals PII_KEY: nothing to rotate")
    done = Rotated()
    qn = connection.ops.quote_name
    for model, enc, digests in _encrypted_models():
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        cols = ", ".join(qn(c) for c in enc)
        sets = ", ".join(f"{qn(c)} = %s" for c in [*enc, *digests])
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cur:
                # Names come from the model definitions, never from input.
                where = "" if last is None else f"WHERE {pk} > %s"
                cur.execute(
                    f"SELECT {pk}, {cols} FROM {table} {where} ORDER BY {pk} LIMIT {BATCH}",  # nosec B608
                    [] if last is None else [last],
                )
                rows = cur.fetchall()
                if not rows:
                    break
                updates = []
                for row_pk, *values in rows:
                    clear = {
                        c: _under_either(v or "", old) for c, v in zip(enc, values, strict=True)
                    }
                    new = [crypto.encrypt(clear[c]) for c in enc]
                    new += [crypto.digest(kind, clear[src]) for kind, src in digests.values()]
                    updates.append([*new, row_pk])
                    done.values += sum(1 for c in enc if clear[c])
                cur.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", updates)  # nosec B608
                last = rows[-1][0]
    names = [n for f in ("file", "masked_file") for n in Document.objects.values_list(f, flat=True)]
    names += list(Attachment.objects.values_list("file", flat=True))
    for name in names:
        if crypto.reseal_stored(name, old):
            done.files += 1
    return done
