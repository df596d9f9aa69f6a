"""A file's fingerprint: size, modification time and SHA-256 of its whole content.

Tagging compares fingerprints to notice a file that changed after it was planned (skip it) and
undo compares them to restore only files nobody touched since the run.  Hashing the whole file is
cheap next to what tagging already does (analysing it takes far longer, and the atomic write
copies it anyway): `bench/tagging_speed.py` measures it.  The modification time is part of it on
purpose: a file someone rewrote with the same bytes is still "changed", which errs on the safe side.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from musictagger.errors import FileError


@dataclass(frozen=True)
class Fingerprint:
    """Identity of a file's content at one moment."""

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> Fingerprint:
        """The fingerprint of ``path`` now; FileError naming it when it cannot be read."""
        try:
            with open(path, "rb") as file:
                stat = os.fstat(file.fileno())
                digest = hashlib.file_digest(file, "sha256")
        except OSError as exc:
            raise FileError(path, f"cannot read it ({exc.strerror or exc})") from exc
        return cls(stat.st_size, stat.st_mtime_ns, digest.hexdigest())

    @property
    def content(self) -> tuple[int, str]:
        """What the file holds, whatever its modification time: a ``touch`` or a copy back from a backup
        changes that time alone."""
        return self.size, self.sha256

    def __str__(self) -> str:
        """Compact text for the journal: ``size:mtime_ns:sha256``."""
        return f"{self.size}:{self.mtime_ns}:{self.sha256}"

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        """The inverse of ``str()``."""
        size, mtime_ns, sha256 = text.split(":")
        return cls(int(size), int(mtime_ns), sha256)
