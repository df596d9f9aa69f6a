"""The one writer of the CSV files musictagger writes: ``tag --csv``'s preview and the experiments' tables.

They are written for a spreadsheet as much as for a script, so in UTF-8 after a byte-order mark: Excel on Windows
takes a CSV file without one for its ANSI code page and showed a genre or file name ``Électro`` as ``Ã‰lectro``;
the mark tells it UTF-8, as it does other spreadsheets.  Python reads the mark as what it is with
``encoding="utf-8-sig"``; read as plain UTF-8, the first heading begins with ``\ufeff``.  Rows end with CR LF, as
RFC 4180 has them.  A file name that is not UTF-8 keeps its own bytes (Python's ``surrogateescape``), so the row
still names the file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from musictagger.atomic_write import replacing

ENCODING = "utf-8-sig"
"""UTF-8 after a byte-order mark, as written and as read back."""


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write ``header`` and ``rows`` to ``path`` as CSV (:data:`ENCODING`), whole (:mod:`~musictagger.atomic_write`):
    a write that fails or is stopped leaves the file as it was, where ``tag --csv`` stopped by Ctrl-C left the user's
    file cut short; OSError when it cannot."""
    with (
        replacing(path) as temporary,
        open(temporary, "w", newline="", encoding=ENCODING, errors="surrogateescape") as file,
    ):
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
