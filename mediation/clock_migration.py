"""Kept because migration 0005 imports this path.

The module is mediation/law/clock_migration.py."""

from mediation.law.clock_migration import recompute_open_cases

__all__ = ["recompute_open_cases"]
