"""Time per file of safe tagging: fingerprint, audio digest, plan (the preview), apply (atomic verified write) and undo.

    .venv/bin/python bench/tagging_speed.py [FILES_OR_DIRS...] [--tracks 20]

Default input: the first Emotify test tracks (MP3, about 60 s each), also re-encoded here as FLAC,
WAV and Ogg Vorbis (soundfile), so each format gets a row.  Everything happens on copies in a
temporary folder (deleted afterwards) with a temporary journal; model analysis is not included
(``bench/speed.py`` measures it): the plan gets a fixed prediction.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import soundfile as sf

from musictagger.audio.decode import decode
from musictagger.audio.files import is_audio_file
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.fingerprint import Fingerprint
from musictagger.tagging.journal import Journal
from musictagger.tagging.payload import audio_payload_digest
from musictagger.tagging.plan import Mode, Prediction, make_plan
from musictagger.tagging.undo import undo

EMOTIFY = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "emotify"
REENCODE = {"flac": ("FLAC", "PCM_16"), "wav": ("WAV", "PCM_16"), "ogg": ("OGG", "VORBIS")}


def input_files(paths: list[Path], limit: int) -> list[Path]:
    if not paths:
        return [EMOTIFY / p for p in (EMOTIFY / "test.txt").read_text().split()[:limit]]
    files = [f for p in paths for f in (sorted(p.rglob("*")) if p.is_dir() else [p]) if is_audio_file(f)]
    return files[:limit]


def copies(files: list[Path], folder: Path, reencode: bool) -> dict[str, list[Path]]:
    """The files copied into ``folder`` by format (plus re-encodings of each, when ``reencode``)."""
    by_format: dict[str, list[Path]] = {}
    for i, source in enumerate(files):
        copy = folder / f"{i:03d}{source.suffix.lower()}"
        shutil.copyfile(source, copy)
        by_format.setdefault(copy.suffix[1:], []).append(copy)
        if reencode:
            audio = decode(source)
            for suffix, (fmt, subtype) in REENCODE.items():
                target = folder / f"{i:03d}.{suffix}"
                sf.write(target, audio.y.T, audio.sr, format=fmt, subtype=subtype)
                by_format.setdefault(suffix, []).append(target)
    return by_format


def per_file_ms(action, paths: list[Path]) -> float:
    start = time.perf_counter()
    action(paths)
    return (time.perf_counter() - start) / len(paths) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--tracks", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        by_format = copies(input_files(args.paths, args.tracks), folder, reencode=not args.paths)
        rows = []
        with Journal(folder / "journal.sqlite3") as journal:
            for fmt, paths in sorted(by_format.items()):
                size_mb = statistics.mean(p.stat().st_size for p in paths) / 1e6
                fingerprint = per_file_ms(lambda ps: [Fingerprint.of(p) for p in ps], paths)
                digest = per_file_ms(lambda ps: [audio_payload_digest(p) for p in ps], paths)
                start = time.perf_counter()
                plan = make_plan(dict.fromkeys(paths, Prediction("rock", 0.9, False)), mode=Mode.REPLACE)
                planning = (time.perf_counter() - start) / len(paths) * 1000
                apply = per_file_ms(lambda ps, plan=plan: apply_plan(plan, journal), paths)
                restore = per_file_ms(lambda ps: undo(journal), paths)
                rows.append((fmt, len(paths), size_mb, fingerprint, digest, planning, apply, restore))

    print(f"{os.cpu_count()} CPUs; temporary folder on the system's temp file system")
    print(
        f"{'format':>6} | {'files':>5} | {'MB/file':>7} | {'fingerprint ms':>14} | {'audio digest ms':>15} | {'plan ms':>7} | {'apply ms':>8} | {'undo ms':>7}"
    )
    print("-" * 90)
    for fmt, n, size, fingerprint, digest, planning, apply, restore in rows:
        print(
            f"{fmt:>6} | {n:>5} | {size:>7.2f} | {fingerprint:>14.1f} | {digest:>15.1f} | {planning:>7.1f} | {apply:>8.1f} | {restore:>7.1f}"
        )


if __name__ == "__main__":
    main()
