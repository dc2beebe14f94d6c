"""Kept because migrations 0004 and 0011 import this path.

The module is mediation/models/crypto.py."""

from mediation.models.crypto import EncryptedCharField, LookupDigestField

__all__ = ["EncryptedCharField", "LookupDigestField"]
