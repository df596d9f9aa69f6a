"""Whether the versions of a piece a collector's library holds come out nearest each other in ``similar``.

    .venv/bin/python bench/library_versions.py [--pieces 3] [--others 20] [--seconds 150] [--keep DIR]

Generated pieces (:func:`tests.audio.signals.piece`, each its own key, tempo, chords and drums; stereo, the right
channel 0.3 ms behind the left at 0.9 gain) are written as a library holds them: for each of ``--pieces``, the
original (16-bit WAV, 44.1 kHz) and its versions (FLAC; MP3 at 128 and 320 kbit/s and AAC at 192, by FFmpeg's
encoders; FLAC resampled to 48 kHz; a mono downmix; a mono mix without the delayed channel, which is another mix, not
the same sound; 2 s trimmed from the start; an 8 s fade-in; 3 dB louder; a radio edit cut at 90 s with a 5 s fade-out),
tagged with mutagen, and ``--others`` other pieces once each as FLAC.  Everything is indexed into a fresh library in a
temporary folder (the user's is not touched) with the model in use, and each version searches the library from its
stored analysis as ``musictagger similar`` does (:func:`musictagger.library.find_similar`, the model's identity bits,
the query itself left out).  Printed for each version: the rank of its original and the Hamming distance to it, the
ranks of the piece's other files, and the first other piece's rank and distance; then the distances between every
two files of the same piece and of different pieces.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

import av
import mutagen
import numpy as np
import soxr

from musictagger.library import Library, find_similar, index_folders
from musictagger.library.search import model_family
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import default_model_path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' signals, for a script run from the checkout

from tests.audio.signals import piece, write  # noqa: E402

SR = 44100


def stereo(y: np.ndarray) -> np.ndarray:
    """Two channels, the right 13 samples (0.3 ms) behind the left at 0.9 gain."""
    right = np.concatenate([np.zeros(13, np.float32), y[:-13]]) * np.float32(0.9)
    return np.stack([y, right]).astype(np.float32)


def encode(path: Path, y: np.ndarray, codec: str, bit_rate: int) -> Path:
    """``(2, samples)`` at 44.1 kHz encoded by FFmpeg's ``codec`` at ``bit_rate``."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=SR, layout="stereo")
        stream.bit_rate = bit_rate
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(y.T).reshape(1, -1), format="flt", layout="stereo")
        frame.sample_rate = SR
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


def versions(folder: Path, seed: int, title: str, seconds: float) -> dict[str, Path]:
    """The original and its versions of piece ``seed`` in ``folder``, by version name."""
    mono = piece(seed, sr=SR, seconds=seconds)
    y = stereo(mono)
    folder.mkdir(parents=True, exist_ok=True)
    faded = y.copy()
    faded[:, : 8 * SR] *= np.linspace(0, 1, 8 * SR, dtype=np.float32)
    edit = y[:, : 90 * SR].copy()
    edit[:, -5 * SR :] *= np.linspace(1, 0, 5 * SR, dtype=np.float32)
    resampled = np.stack([soxr.resample(channel, SR, 48000) for channel in y]).astype(np.float32)
    files = {
        "original": write(folder / f"{title}.wav", y, SR, "wav-pcm16"),
        "flac": write(folder / f"{title}.flac", y, SR, "flac"),
        "mp3 128k": encode(folder / f"{title} (128k).mp3", y, "libmp3lame", 128_000),
        "mp3 320k": encode(folder / f"{title} (320k).mp3", y, "libmp3lame", 320_000),
        "aac 192k": encode(folder / f"{title}.m4a", y, "aac", 192_000),
        "48 kHz": write(folder / f"{title} (48k).flac", resampled, 48000, "flac"),
        "mono downmix": write(folder / f"{title} (mono).flac", y.mean(axis=0), SR, "flac"),
        "mono, other mix": write(folder / f"{title} (mono mix).flac", mono, SR, "flac"),
        "2 s trimmed": write(folder / f"{title} (trimmed).flac", y[:, 2 * SR :], SR, "flac"),
        "fade-in": write(folder / f"{title} (fade-in).flac", faded, SR, "flac"),
        "+3 dB": write(folder / f"{title} (+3dB).flac", y * np.float32(10 ** (3 / 20)), SR, "flac"),
        "radio edit": write(folder / f"{title} (radio edit).flac", edit, SR, "flac"),
    }
    for name, path in files.items():
        if path.suffix != ".wav":
            tags = mutagen.File(path, easy=True)
            tags["title"], tags["artist"] = f"{title} [{name}]", f"Artist {title}"
            tags.save()
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pieces", type=int, default=3, help="pieces with versions")
    parser.add_argument("--others", type=int, default=20, help="other pieces, one file each")
    parser.add_argument("--seconds", type=float, default=150.0, help="each piece's length")
    parser.add_argument("--keep", type=Path, help="write the library here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        music, library_path = root / "Music", root / "library.sqlite3"
        pieces = {
            f"Piece {i}": versions(music / f"Piece {i}", 100 + i, f"Piece {i}", args.seconds)
            for i in range(args.pieces)
        }
        (music / "Others").mkdir(parents=True, exist_ok=True)
        for i in range(args.others):
            write(music / "Others" / f"Other {i}.flac", stereo(piece(200 + i, sr=SR, seconds=args.seconds)), SR, "flac")
        index_folders([music], library_path=library_path)
        model_path = default_model_path()
        manifest = load_manifest(model_path)
        print(f"{model_path.stem}, the last {manifest.match_bits} bits compared; {args.others} other pieces")
        with Library(library_path) as library:
            for title, files in pieces.items():
                print(
                    f"\n{title}: version, rank of the original, its distance (bits), the piece's other files' ranks, "
                    "the first other piece's rank and distance"
                )
                same = {str(path) for path in files.values()}
                for name, path in files.items():
                    analysis = library.record(str(path)).analysis
                    matches = find_similar(
                        library,
                        analysis.bits,
                        analysis.relaxed_code,
                        k=len(same) + 2,
                        exclude_path=str(path),
                        models=model_family(model_path),
                        match_bits=manifest.match_bits,
                    )
                    ranks = [rank for rank, m in enumerate(matches, 1) if m.record.path in same]
                    own = [
                        (rank, m.distance)
                        for rank, m in enumerate(matches, 1)
                        if m.record.path == str(files["original"])
                    ]
                    other = next(
                        ((rank, m.distance) for rank, m in enumerate(matches, 1) if m.record.path not in same), None
                    )
                    print(f"  {name:16} {own[0] if own else '—'!s:>9}  {ranks}  {other}")
            compared = [
                (Path(record.path).parent.name, record.analysis.bits[-manifest.match_bits :])
                for record in library.tracks()
                if record.analysis is not None
            ]
        within, between = [], []
        for (a, code_a), (b, code_b) in itertools.combinations(compared, 2):
            distance = int(np.count_nonzero(code_a != code_b))
            (within if a == b and a != "Others" else between).append(distance)
        print(f"\nsame piece, {len(within)} pairs: {np.bincount(within).tolist()} (pairs at 0, 1, … bits)")
        print(
            f"different pieces, {len(between)} pairs: nearest {min(between)} bits, "
            f"{np.mean(np.array(between) <= max(within)):.1%} within {max(within)}"
        )
    if args.keep:
        print(f"kept in {args.keep}")


if __name__ == "__main__":
    main()
