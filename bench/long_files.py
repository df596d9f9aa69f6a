"""Time and peak memory of ``musictagger analyze`` against track length, 1 minute to 3 hours, or per format.

    .venv/bin/python bench/long_files.py [--lengths 1 10 60 180] [--mp3-minutes 60] [--runs 1]
    .venv/bin/python bench/long_files.py --formats wav flac mp3 dsf dff [--format-minutes 2] [--runs 3]

Each file is generated (chords and drums from tests/audio/signals.py, repeated; written
block by block, never whole in memory) as a 44.1-kHz stereo 16-bit WAV, plus a 3-hour silent
8-kHz WAV that must be refused quickly and an MP3 (``--mp3-minutes``; LAME through FFmpeg, which
takes a while to encode).  With ``--formats``, the same ``--format-minutes`` of that music is
written in each format instead (DSD by the tests' first-order sigma-delta modulator, whole in
memory: about 2 GB and a minute per 5-minute file), so that each format's cost beside the WAV's
shows.  Each analysis runs in a fresh process, which reports its own peak resident memory
(``VmHWM``) and the wall time of the analysis, imports excluded; with ``--runs`` the median
time and the largest peak of that many processes.  Goal (issue 15): flat in track length,
≤ 500 MB for a 3-hour file; any format in the WAV's time and memory, within its decoder's cost.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SR = 44100

# The child reports its own peak resident memory as Linux's VmHWM: its ru_maxrss would start at the size of the
# process that started it (a parent that has just written a DSD file holds 2 GB).
CHILD = """
import json, re, sys, time
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
with open("/proc/self/status") as status:
    peak_kb = int(re.search(r"VmHWM:\\s*(\\d+) kB", status.read())[1])
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "outcome": outcome}))
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


def write_format(folder: Path, kind: str, minutes: float) -> Path:
    """``minutes`` of the music, stereo at 44.1 kHz, as ``kind``: wav, flac, mp3 (LAME), dsf or dff (DSD64)."""
    path = folder / f"same.{kind}"
    if kind == "wav":
        return write_wav(path, minutes, sr=SR, channels=2)
    if kind == "mp3":
        return write_mp3(path, minutes)
    stereo = np.tile(minute_of_music(SR), (2, round(minutes)))  # also puts the repository on the path
    if kind == "flac":
        sf.write(path, stereo.T, SR, subtype="PCM_16")
        return path
    from tests.audio.signals import write_dff, write_dsf

    return {"dsf": write_dsf, "dff": write_dff}[kind](path, stereo, SR)


def measure(path: Path, runs: int) -> dict:
    """The median analysis time and the largest peak memory of ``runs`` fresh processes analysing ``path``."""
    results = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "peak_mb": max(r["peak_mb"] for r in results),
        "outcome": results[0]["outcome"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=float, nargs="+", default=[1, 10, 60, 180], help="minutes")
    parser.add_argument("--mp3-minutes", type=float, default=60, help="length of the MP3 case (0: none)")
    parser.add_argument(
        "--formats", nargs="+", choices=["wav", "flac", "mp3", "dsf", "dff"], help="instead: the same music in each"
    )
    parser.add_argument("--format-minutes", type=float, default=2, help="length of each --formats file")
    parser.add_argument("--runs", type=int, default=1, help="processes per file: median time, largest peak")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if args.formats:
            cases = [
                (f"{args.format_minutes:g} min, {kind.upper()} stereo", write_format(folder, kind, args.format_minutes))
                for kind in args.formats
            ]
        else:
            cases = [
                (f"{m:g} min, WAV 44.1 kHz stereo", write_wav(folder / f"{m:g}.wav", m, sr=SR, channels=2))
                for m in args.lengths
            ]
            silent = write_wav(folder / "silent.wav", 180, sr=8000, channels=1, silent=True)
            cases.append(("180 min, silent WAV 8 kHz mono", silent))
            if args.mp3_minutes:
                mp3 = write_mp3(folder / "long.mp3", args.mp3_minutes)
                cases.append((f"{args.mp3_minutes:g} min, MP3 stereo", mp3))
        print("| file | size MB | analysis s | peak memory MB | outcome |")
        print("|---|---:|---:|---:|---|")
        for label, path in cases:
            result = measure(path, args.runs)
            print(
                f"| {label} | {path.stat().st_size / 1e6:.0f} | {result['seconds']:.2f} | {result['peak_mb']:.0f} | "
                f"{result['outcome']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
