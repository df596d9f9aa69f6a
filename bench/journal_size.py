"""The tagging journal's size on disk per tagged file, run after run: what the kept bytes cost and what bounds them.

    .venv/bin/python bench/journal_size.py [--files 30] [--cover 100000] [--runs 6] [--budget BYTES]

A generated library of ``--files`` files of each of MP3 (an ID3v2.4 tag), FLAC and M4A, each with a title, an
artist, a genre and ``--cover`` bytes of cover art, is tagged ``--runs`` times in a temporary journal: the first
run ``--mode replace`` keeping each file's ID3 revision, then ``--mode append`` and ``--mode replace`` in turn
converting the ID3 tags to v2.3 and back to v2.4 (a tag mutagen's writer rewrites whole, whose bytes the journal
keeps so that undo gives them back: cover art included when it moved), each with another genre.  After each run:
the journal file's size (its write-ahead log checkpointed into it), the bytes it keeps for undo, and those per file
written so far; ``--budget`` sets the bytes it keeps for the runs before the latest (``Journal.bound_kept_bytes``).  Finally every run is undone, newest first, saying which files came back byte for byte.  The plan
gets fixed predictions (no model analysis); everything happens in a temporary folder, deleted afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import tempfile
from pathlib import Path

import mutagen
from mutagen.flac import Picture
from mutagen.id3 import APIC, TCON, TIT2, TPE1
from mutagen.mp4 import MP4Cover

from musictagger.tagging.apply import apply_plan
from musictagger.tagging.formats import Id3Version
from musictagger.tagging.journal import Journal
from musictagger.tagging.kept_bytes import KEPT_BYTES_BUDGET
from musictagger.tagging.plan import Mode, Prediction, make_plan
from musictagger.tagging.undo import undo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' generated audio
from tests.tagging.media import make_file

GENRES = ("rock", "pop", "jazz", "blues", "metal", "reggae", "disco", "country")


def library(folder: Path, files: int, cover: int) -> list[Path]:
    """``files`` MP3s (ID3v2.4), FLACs and M4As with a title, an artist, genre Classical and ``cover`` bytes of art."""
    paths = []
    for i in range(files):
        art = b"\x89PNG" + random.Random(i).randbytes(cover)
        for fmt in ("mp3", "flac", "m4a"):
            path = make_file(folder, fmt, name=f"{i:04d}", seconds=1.0, seed=i)
            audio = mutagen.File(path)
            if audio.tags is None:
                audio.add_tags()
            if fmt == "mp3":
                audio.tags.add(TIT2(encoding=3, text=["A title"]))
                audio.tags.add(TPE1(encoding=3, text=["An artist"]))
                audio.tags.add(TCON(encoding=3, text=["Classical"]))
                audio.tags.add(APIC(encoding=0, mime="image/png", type=3, desc="", data=art))
                audio.save(v2_version=4)
                paths.append(path)
                continue
            if fmt == "flac":
                audio.tags["title"], audio.tags["artist"], audio.tags["genre"] = (
                    ["A title"],
                    ["An artist"],
                    ["Classical"],
                )
                picture = Picture()
                picture.type, picture.mime, picture.data = 3, "image/png", art
                audio.add_picture(picture)
            else:
                audio.tags["©nam"], audio.tags["©ART"], audio.tags["©gen"] = ["A title"], ["An artist"], ["Classical"]
                audio.tags["covr"] = [MP4Cover(art, imageformat=MP4Cover.FORMAT_PNG)]
            audio.save()
            paths.append(path)
    return paths


def journal_sizes(path: Path) -> tuple[int, int]:
    """The journal file's bytes once its write-ahead log is checkpointed into it, and the bytes it keeps for undo."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        kept = db.execute("SELECT COALESCE(SUM(LENGTH(patches)), 0) FROM kept_bytes").fetchone()[0]
    return path.stat().st_size, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=30, help="files of each format")
    parser.add_argument("--cover", type=int, default=100_000, help="bytes of cover art in each file")
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument(
        "--budget", type=int, default=KEPT_BYTES_BUDGET, help="bytes kept for the runs before the latest"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        paths = library(Path(tmp) / "Music", args.files, args.cover)
        originals = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}
        journal_path = Path(tmp) / "journal.sqlite3"
        written = 0
        print(f"{len(paths)} files ({args.files} each of MP3, FLAC, M4A), {args.cover:,} bytes of cover art each")
        print(f"{'run':>3}  {'mode':<8} {'ID3':<5} {'written':>7}  {'journal':>12}  {'kept':>12}  {'journal/file':>12}")
        with Journal(journal_path, kept_bytes_budget=args.budget) as journal:
            for run in range(args.runs):
                mode = Mode.REPLACE if run % 2 == 0 else Mode.APPEND
                id3 = None if run == 0 else (Id3Version.V23 if run % 2 else Id3Version.V24)
                prediction = Prediction(GENRES[run % len(GENRES)], 0.9, uncertain=False)
                plan = make_plan(dict.fromkeys(paths, prediction), mode=mode, min_confidence=0.5, id3_version=id3)
                report = apply_plan(plan, journal)
                written += report.counts()["written"]
                size, kept = journal_sizes(journal_path)
                print(
                    f"{report.run_id:>3}  {mode.value:<8} {id3 or 'keep':<5} {report.counts()['written']:>7}"
                    f"  {size:>12,}  {kept:>12,}  {size / written:>12,.0f}"
                )
            for run_id in range(args.runs, 0, -1):  # newest first, as each undo needs the file the next left
                report = undo(journal, run_id)
                counts, not_bytes = report.counts(), sum(bool(o.reason) for o in report.outcomes)
                print(f"undo of run {run_id}: {counts['restored']} restored, {not_bytes} of them not byte for byte")
            same = sum(hashlib.sha256(path.read_bytes()).hexdigest() == digest for path, digest in originals.items())
            size, kept = journal_sizes(journal_path)
            print(f"after the undos: {same} of {len(paths)} files as they were; journal {size:,} bytes, kept {kept:,}")


if __name__ == "__main__":
    main()
