"""Text the window shows that may hold a file name that is not UTF-8.

Python holds the bytes of such a name (Latin-1 from an older system, say) as lone surrogates (``os.fsdecode``'s
``surrogateescape``), and Qt drops them: the window listed ``café.flac`` named in Latin-1 as ``caf.flac``, a name
no file has, and its error messages named it so too.  :func:`readable` shows those bytes as escapes instead,
``caf\\xe9.flac``, as GLib's file managers show such a name.  Other text is left as it is.
"""

from __future__ import annotations

from pathlib import Path


def readable(text: str | Path) -> str:
    """``text`` (a path, a name, or a message holding one) with the bytes of a name that is not UTF-8 as ``\\xNN``."""
    text = str(text)
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate no file name decodes to
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")
