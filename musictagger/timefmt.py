"""Times as users read them: ``m:ss`` (``4:05``), shared by the window and the command line."""

from __future__ import annotations


def clock(seconds: float) -> str:
    """``seconds`` rounded to the second as minutes and seconds, e.g. ``clock(245.4) == "4:05"``."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02}"
