"""Personal data encrypted at rest with SM4 (GB/T 39786: 商用密码 for important data), and
searchable by a keyed hash — one interface for every model that stores ID or phone numbers.

A model adopts it by changing the field class and adding the lookup column:

    id_number = EncryptedCharField(_("公民身份号码"), max_length=18, blank=True)
    id_number_digest = LookupDigestField(source="id_number", kind="id_number")

and searches with `Model.objects.filter(id_number_digest=digest("id_number", value))`
(or `digest_q` for several columns). The model reads and writes plaintext; the database
holds `sm4$<base64(iv | SM4-CBC ciphertext | HMAC-SM3 tag)>` and the digest
HMAC-SM3(lookup key, kind:normalised value). Substring search on these columns is gone by
design: an exact ID or phone number finds its rows, a fragment does not.

Keys derive from PII_KEY (64 hex digits; settings). The development default is public, so
`check --deploy` refuses it (mediation.ops.checks). SM4 and SM3 come from OpenSSL through
`cryptography` (C speed: ~40 µs a value); the tests check the ciphertext against `gmssl`'s
independent SM4.
"""

import base64
import functools
import hmac as std_hmac
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives import hmac as c_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q

PREFIX = "sm4$"
TAG_BYTES = 16


class DecryptionError(ValueError):
    pass


def _hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = c_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


@functools.cache
def _keys(master_hex: str) -> tuple[bytes, bytes, bytes]:
    master = bytes.fromhex(master_hex)
    return (
        _hmac_sm3(master, b"datiaojie/sm4-enc")[:16],
        _hmac_sm3(master, b"datiaojie/sm4-mac"),
        _hmac_sm3(master, b"datiaojie/lookup"),
    )


def keys(master_hex: str | None = None) -> tuple[bytes, bytes, bytes]:
    return _keys(master_hex or settings.PII_KEY)


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    enc_key, mac_key, _lookup = keys()
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(enc_key), modes.CBC(iv)).encryptor()
    body = iv + encryptor.update(data) + encryptor.finalize()
    tag = _hmac_sm3(mac_key, body)[:TAG_BYTES]
    return PREFIX + base64.b64encode(body + tag).decode()


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def decrypt(value: str, master_hex: str | None = None) -> str:
    """Plaintext of a stored value; a value written before encryption (no prefix) is
    returned as it is, so a table can be migrated row by row."""
    if not is_encrypted(value):
        return value
    enc_key, mac_key, _lookup = keys(master_hex)
    raw = base64.b64decode(value[len(PREFIX) :])
    body, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    if not std_hmac.compare_digest(_hmac_sm3(mac_key, body)[:TAG_BYTES], tag):
        raise DecryptionError("personal data failed its integrity check (wrong PII_KEY?)")
    iv, ciphertext = body[:16], body[16:]
    decryptor = Cipher(algorithms.SM4(enc_key), modes.CBC(iv)).decryptor()
    data = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(data) + unpadder.finalize()).decode()


# -- files at rest (stored documents, backups) -----------------------------------------
#
# MAGIC | iv(16) | SM4-CTR ciphertext | HMAC-SM3(MAGIC | iv | ciphertext) (32). CTR streams,
# so a backup of many GB is encrypted and checked in bounded memory; the tag is checked
# before a byte of plaintext is used.

FILE_MAGIC = b"DTJSM4\x00\x01"
FILE_TAG = 32
CHUNK = 1 << 20


@functools.cache
def _file_keys(master_hex: str, purpose: str) -> tuple[bytes, bytes]:
    master = bytes.fromhex(master_hex)
    return (
        _hmac_sm3(master, f"datiaojie/{purpose}-enc".encode())[:16],
        _hmac_sm3(master, f"datiaojie/{purpose}-mac".encode()),
    )


def is_sealed(data: bytes) -> bool:
    return data[: len(FILE_MAGIC)] == FILE_MAGIC


def seal(data: bytes, master_hex: str | None = None, purpose: str = "file") -> bytes:
    """`data` encrypted and authenticated (a stored full-version document)."""
    out = io.BytesIO()
    seal_stream(io.BytesIO(data), out, master_hex, purpose)
    return out.getvalue()


def unseal(data: bytes, master_hex: str | None = None, purpose: str = "file") -> bytes:
    """The plaintext of sealed `data`; data written before encryption (no header) is
    returned as it is, so stored files can be migrated one by one."""
    if not is_sealed(data):
        return data
    out = io.BytesIO()
    unseal_stream(io.BytesIO(data), out, master_hex, purpose)
    return out.getvalue()


def seal_stream(
    src: IO[bytes], dst: IO[bytes], master_hex: str | None = None, purpose: str = "file"
) -> None:
    enc_key, mac_key = _file_keys(master_hex or settings.PII_KEY, purpose)
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.SM4(enc_key), modes.CTR(iv)).encryptor()
    mac = c_hmac.HMAC(mac_key, hashes.SM3())
    for piece in (FILE_MAGIC, iv):
        mac.update(piece)
        dst.write(piece)
    for block in iter(lambda: src.read(CHUNK), b""):
        enc = encryptor.update(block)
        mac.update(enc)
        dst.write(enc)
    tail = encryptor.finalize()
    mac.update(tail)
    dst.write(tail + mac.finalize())


def _ciphertext_blocks(src: IO[bytes], length: int) -> Iterator[bytes]:
    left = length
    while left > 0:
        block = src.read(min(CHUNK, left))
        if not block:
            raise DecryptionError("sealed data is truncated")
        left -= len(block)
        yield block


def unseal_stream(
    src: IO[bytes], dst: IO[bytes], master_hex: str | None = None, purpose: str = "file"
) -> None:
    """Check the tag over the whole input first (one pass), then decrypt (a second pass):
    nothing of a tampered or wrongly keyed file is written. `src` must be seekable."""
    enc_key, mac_key = _file_keys(master_hex or settings.PII_KEY, purpose)
    start = src.tell()
    end = src.seek(0, io.SEEK_END)
    src.seek(start)
    head = src.read(len(FILE_MAGIC) + 16)
    body = end - start - len(head) - FILE_TAG
    if head[: len(FILE_MAGIC)] != FILE_MAGIC or body < 0:
        raise DecryptionError("not a sealed file")
    mac = c_hmac.HMAC(mac_key, hashes.SM3())
    mac.update(head)
    for block in _ciphertext_blocks(src, body):
        mac.update(block)
    if not std_hmac.compare_digest(mac.finalize(), src.read(FILE_TAG)):
        raise DecryptionError("sealed data failed its integrity check (wrong key?)")
    src.seek(start + len(head))
    decryptor = Cipher(algorithms.SM4(enc_key), modes.CTR(head[len(FILE_MAGIC) :])).decryptor()
    for block in _ciphertext_blocks(src, body):
        dst.write(decryptor.update(block))
    dst.write(decryptor.finalize())


def read_stored(name: str) -> bytes:
    """The plaintext of a file in the default storage (sealed or, before the migration
    that sealed it, clear)."""
    with default_storage.open(name, "rb") as fh:
        return unseal(fh.read())


def seal_stored(name: str) -> bool:
    """Seal a file stored in clear, in place (the data migration); True when rewritten."""
    if not name or not default_storage.exists(name):
        return False
    with default_storage.open(name, "rb") as fh:
        data = fh.read()
    if is_sealed(data):
        return False
    _replace(name, seal(data))
    return True


def reseal_stored(name: str, old_hex: str) -> bool:
    """Seal a stored file under the current key that was sealed under `old_hex` (key
    rotation); a file already under the current key is left alone. True when rewritten."""
    if not name or not default_storage.exists(name):
        return False
    with default_storage.open(name, "rb") as fh:
        data = fh.read()
    if is_sealed(data):
        try:
            unseal(data)
            return False  # already under the current key
        except DecryptionError:
            data = unseal(data, old_hex)
    _replace(name, seal(data))
    return True


def _replace(name: str, data: bytes) -> None:
    path = Path(default_storage.path(name))
    tmp = path.with_name(path.name + ".sealing")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # atomic: a reader sees the old or the new file, never half


# -- keyed-hash lookup ------------------------------------------------------------------

NORMALISE = {
    "id_number": lambda v: v.strip().upper(),
    "phone": lambda v: "".join(ch for ch in v if ch.isdigit()),
}


def digest(kind: str, value: str) -> str:
    """The lookup digest of `value` (normalised for its kind); "" for an empty value."""
    value = NORMALISE[kind](value or "")
    if not value:
        return ""
    return _hmac_sm3(keys()[2], f"{kind}:{value}".encode()).hex()


def digest_q(value: str, prefix: str = "", **columns: str) -> Q:
    """Rows whose columns match `value` exactly: digest_q(v, "party__", id_number=
    "id_number_digest", phone="phone_digest") → Q(party__id_number_digest=…) | …"""
    q = Q(pk__in=[])
    for kind, column in columns.items():
        d = digest(kind, value)
        if d:
            q |= Q(**{prefix + column: d})
    return q


def party_search_q(value: str, prefix: str = "party__") -> Q:
    """A party by name fragment, or by its exact ID or phone number (keyed hash)."""
    return Q(**{prefix + "name__icontains": value}) | digest_q(
        value, prefix, id_number="id_number_digest", phone="phone_digest"
    )


# -- model fields -----------------------------------------------------------------------


class EncryptedCharField(models.TextField):
    """Plaintext in Python, SM4 ciphertext in the database. `max_length` bounds the
    plaintext (forms, admin); the column is text because ciphertext is longer."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt(value) if value else value

    def to_python(self, value: Any) -> Any:
        return decrypt(value) if is_encrypted(value) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, "") or is_encrypted(value):
            return value
        return encrypt(value)


class LookupDigestField(models.CharField):
    """HMAC-SM3 of another field of the same row, written on every save."""

    def __init__(self, *args: Any, source: str, kind: str, **kwargs: Any) -> None:
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = digest(self.kind, getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value
