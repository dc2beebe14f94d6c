"""Kept because migration 0004 imports this path.

The module is mediation/law/limits.py."""

from mediation.law.limits import SEEDED

__all__ = ["SEEDED"]
