"""Time and peak memory of ``musictagger analyze`` against track length, 1 minute to 3 hours.

    .venv/bin/python bench/long_files.py [--lengths 1 10 60 180] [--mp3-minutes 60]

Each file is generated (chords and drums from tests/audio/signals.py, repeated; written
block by block, never whole in memory) as a 44.1-kHz stereo 16-bit WAV, plus a 3-hour silent
8-kHz WAV that must be refused quickly and an MP3 (``--mp3-minutes``; LAME through FFmpeg, which
takes a while to encode).  Each analysis runs in a fresh process, which reports its own peak
resident memory (``ru_maxrss``) and the wall time of the analysis, imports excluded.  Goal
(issue 15): flat in track length, ≤ 500 MB for a 3-hour file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SR = 44100

CHILD = """
import json, resource, sys, time
from musictagger.model.runtime import load_model
from musictagger.errors import MusictaggerError
model = load_model()
started = time.perf_counter()
try:
    analysis = model.analyze_file(sys.argv[1])
    outcome = f"{analysis.summary()}, {len(analysis.window_starts_s)} windows"
except MusictaggerError as exc:
    outcome = f"refused: {exc.reason if hasattr(exc, 'reason') else exc}"
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "outcome": outcome}))
"""


def minute_of_music(sr: int) -> np.ndarray:
    sys.path.insert(0, str(ROOT))
    from tests.audio.signals import music

    return music(sr=sr, seconds=60.0)


def write_wav(path: Path, minutes: float, *, sr: int, channels: int, silent: bool = False) -> Path:
    block = np.zeros(60 * sr, np.float32) if silent else minute_of_music(sr)
    with sf.SoundFile(path, "w", samplerate=sr, channels=channels, subtype="PCM_16") as f:
        for _ in range(round(minutes)):
            f.write(np.repeat(block[:, None], channels, axis=1))
    return path


def write_mp3(path: Path, minutes: float) -> Path:
    block = minute_of_music(SR)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libmp3lame", rate=SR, layout="stereo")
        for _ in range(round(minutes)):
            stereo = np.ascontiguousarray(np.repeat(block[:, None], 2, axis=1)).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(stereo, format="flt", layout="stereo")
            frame.sample_rate = SR
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def measure(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=float, nargs="+", default=[1, 10, 60, 180], help="minutes")
    parser.add_argument("--mp3-minutes", type=float, default=60, help="length of the MP3 case (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        cases = [
            (f"{m:g} min, WAV 44.1 kHz stereo", write_wav(folder / f"{m:g}.wav", m, sr=SR, channels=2))
            for m in args.lengths
        ]
        cases.append(
            ("180 min, silent WAV 8 kHz mono", write_wav(folder / "silent.wav", 180, sr=8000, channels=1, silent=True))
        )
        if args.mp3_minutes:
            cases.append((f"{args.mp3_minutes:g} min, MP3 stereo", write_mp3(folder / "long.mp3", args.mp3_minutes)))
        print("| file | size MB | analysis s | peak memory MB | outcome |")
        print("|---|---:|---:|---:|---|")
        for label, path in cases:
            result = measure(path)
            print(
                f"| {label} | {path.stat().st_size / 1e6:.0f} | {result['seconds']:.2f} | {result['peak_mb']:.0f} | "
                f"{result['outcome']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
