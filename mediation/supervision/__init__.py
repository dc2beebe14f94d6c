"""Supervision and statistics (DESIGN.md §8): figures, exports, roster,
complaints."""
