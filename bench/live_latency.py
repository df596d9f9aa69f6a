"""Live listening in the window's panel, measured: audio-in → pixel latency, frame rate, CPU, time to a stable genre.

    python bench/live_latency.py [--music FILE] [--seconds 30] [--no-pulse]

The live panel (:class:`musictagger.gui.live_panel.LivePanel`, offscreen unless
``QT_QPA_PLATFORM`` says otherwise, in isolated user dirs) listens to two kinds of source:
a file played into the ring at real-time speed (``FileSource``, the tests' seam) and, where
PulseAudio can run, the real PortAudio path: ``paplay`` into a null sink whose monitor is
the input.  Each source gets two sessions:

1. **clicks** — 5 ms noise bursts once a second over quiet noise.  Latency of a click = the
   end of the first paint of the spectrogram image whose newest columns show it, minus the
   moment the block holding it was written into the ring (timed by wrapping the ring's
   ``write``); on the real path the device's reported input latency (what PortAudio was
   asked for, ``latency="low"``) is added, for microphone → pixel.  Also: how long after
   Record the first audio reached the ring (a device stream's start-up).
2. **music** — the display's frame rate (image updates and paints per second), CPU use of
   the whole process (process time / wall time: 100 % is one core of this 2-core machine),
   model steps, and the time from the music's first sample in the ring to a stable genre
   (the first verdict after which the genre never changes), with the default settings a
   user gets (first verdict after 10 s, one a second).  Goal (issue 6): latency < 100 ms,
   ≥ 30 frames/s.  The longest gap between two paints, with the UI thread's own CPU time
   in it, shows whether the window's work held the display up (busy) or the thread was
   waiting (for the GIL held by the model's worker thread, or for a core on a loaded
   machine).  Prints a table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SR = 44100
CLICK_EVERY_S = 1.0
CLICKS = 8
NEWEST_COLUMNS = 8
"""A click counts as shown once it is in the newest 8 frames (128 ms) of the image."""
CLICK_CONTRAST_DB = 20.0


@dataclass
class Probe:
    """When audio entered the ring, and when the spectrogram was painted (and whether a click was in view)."""

    writes: list[tuple[float, int]] = field(default_factory=list)
    paints: list[tuple[float, bool, float]] = field(default_factory=list)
    """(time, click in view, UI thread's CPU time) at the end of each paint."""
    results: list[tuple[float, object]] = field(default_factory=list)

    def arrival(self, sample: int) -> float:
        """When the block holding absolute sample ``sample`` was written into the ring."""
        return next(t for t, written in self.writes if written > sample)


def click_track(seconds: float) -> np.ndarray:
    """Quiet noise (-50 dBFS) with a 5 ms burst (peak 0.5) every second, starting at 1 s; stereo."""
    rng = np.random.default_rng(0)
    y = rng.standard_normal(round(SR * seconds)).astype(np.float32) * 10 ** (-50 / 20)
    burst = round(0.005 * SR)
    for k in range(1, int(seconds / CLICK_EVERY_S)):
        start = round(k * CLICK_EVERY_S * SR)
        y[start : start + burst] = 0.5 * rng.uniform(-1.0, 1.0, burst)
    return np.stack([y, y])


def click_onsets(y: np.ndarray) -> list[int]:
    """Sample indices where a burst starts in mono ``y`` (after ≥ 0.1 s below the threshold)."""
    loud = np.flatnonzero(np.abs(y) > 0.3)
    return [int(i) for k, i in enumerate(loud) if k == 0 or i - loud[k - 1] > 0.1 * SR]


def instrument(panel, source, probe: Probe) -> None:
    """Time every ring write of ``source`` and every paint of the panel's spectrogram image (and its verdicts)."""
    import pyqtgraph as pg

    write = source.ring.write

    def timed_write(block: np.ndarray) -> None:
        write(block)
        probe.writes.append((time.perf_counter(), source.ring.written))

    source.ring.write = timed_write
    image = panel.spectrogram.image
    if not hasattr(pg.ImageItem, "_bench_paint"):
        pg.ImageItem._bench_paint = pg.ImageItem.paint

        def paint(item, *args) -> None:
            pg.ImageItem._bench_paint(item, *args)
            hook = getattr(item, "bench_hook", None)
            if hook is not None:
                hook()

        pg.ImageItem.paint = paint

    def painted() -> None:
        db = image.image
        if db is None:
            return
        filled = db[-max(1, min(len(db), panel.mel.frames_added)) :].mean(axis=1)
        newest = db[-NEWEST_COLUMNS:].mean(axis=1)
        visible = bool(newest.max() > np.median(filled) + CLICK_CONTRAST_DB)
        probe.paints.append((time.perf_counter(), visible, time.thread_time()))

    image.bench_hook = painted


def run_until(done, timeout_s: float) -> None:
    """Run the Qt event loop until ``done()`` or the timeout.

    A real event loop, as the app's: ``QTest.qWait`` keeps the GIL while it waits, which
    slowed the worker thread's model loading here from 2 s to 16 s.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s
    check = QTimer()
    check.setInterval(5)
    check.timeout.connect(lambda: (done() or time.perf_counter() >= deadline) and loop.quit())
    check.start()
    loop.exec()
    check.stop()


def listen(panel, source, play: Path | None, seconds: float) -> tuple[Probe, dict]:
    """One session: listen to ``source`` for ``seconds`` (playing ``play`` into the sink meanwhile)."""
    probe = Probe()
    instrument(panel, source, probe)
    record = lambda result: probe.results.append((time.perf_counter(), result))  # noqa: E731
    panel.stepped.connect(record)
    panel.start(source)
    run_until(lambda: panel.listening, 120.0)
    opened = time.perf_counter()
    player = subprocess.Popen(["paplay", "--device=vmic", str(play)]) if play else None
    cpu0, wall0, drawn0 = time.process_time(), time.perf_counter(), panel.spectrogram.frames_drawn
    paints0, skipped0 = len(probe.paints), panel.skipped_steps
    run_until(lambda: False, seconds)
    wall = time.perf_counter() - wall0
    painted = np.array([(t, cpu) for t, _, cpu in probe.paints[paints0:]])
    longest = int(np.argmax(np.diff(painted[:, 0])))
    stats = {
        "gap": float(np.diff(painted[:, 0])[longest]),
        "gap_cpu": float(np.diff(painted[:, 1])[longest]),
        "fps": (panel.spectrogram.frames_drawn - drawn0) / wall,
        "paints": (len(probe.paints) - paints0) / wall,
        "cpu": (time.process_time() - cpu0) / wall,
        "skipped": panel.skipped_steps - skipped0,
        "overruns": source.overruns,
        "first_audio": probe.writes[0][0] - opened if probe.writes else float("nan"),
    }
    if player is not None:
        player.terminate()
        player.wait(timeout=10)
    panel.stop()
    run_until(lambda: not panel._stepping, 30.0)
    panel.stepped.disconnect(record)
    y = source.ring.latest(source.ring.written).mean(axis=1)
    stats["start"] = source.ring.written - len(y)
    stats["y"] = y
    return probe, stats


def click_latencies(probe: Probe, stats: dict) -> list[float]:
    latencies = []
    for onset in click_onsets(stats["y"]):
        arrived = probe.arrival(stats["start"] + onset)
        shown = [t for t, visible, _ in probe.paints if visible and arrived <= t < arrived + 0.9 * CLICK_EVERY_S]
        if shown:
            latencies.append(shown[0] - arrived)
    return latencies


def stable_genre(probe: Probe, stats: dict) -> tuple[float | None, float | None, str | None]:
    """(s from music start to the first verdict, to the stable genre, the final genre)."""
    from musictagger.live import LiveState

    loud = np.flatnonzero(np.abs(stats["y"]) > 0.02)
    if not len(loud):
        return None, None, None
    started = probe.arrival(stats["start"] + int(loud[0]))
    genres = [(t, r.genre if r.state is LiveState.RECOGNISED else None) for t, r in probe.results]
    recognised = [t for t, genre in genres if genre is not None]
    final = genres[-1][1] if genres else None
    if final is None:
        return (recognised[0] - started if recognised else None), None, None
    stable = len(genres)
    while stable > 0 and genres[stable - 1][1] == final:
        stable -= 1
    return recognised[0] - started, genres[stable][0] - started, final


def measure(panel, name: str, make_source, clicks: Path, music: Path, seconds: float, extra_latency: float) -> dict:
    probe, click_stats = listen(panel, *make_source(clicks), CLICKS + 4.0)
    latencies = [t + extra_latency for t in click_latencies(probe, click_stats)]
    probe, stats = listen(panel, *make_source(music), seconds)
    first, stable, genre = stable_genre(probe, stats)
    steps = [r.elapsed_s for _, r in probe.results if r.elapsed_s]
    return {
        "source": name,
        "clicks": f"{len(latencies)}/{CLICKS}",
        "first_audio": click_stats["first_audio"],
        "latency": latencies,
        "fps": stats["fps"],
        "paints": stats["paints"],
        "gap": stats["gap"],
        "gap_cpu": stats["gap_cpu"],
        "cpu": stats["cpu"],
        "step": float(np.median(steps)) if steps else float("nan"),
        "skipped": stats["skipped"],
        "overruns": stats["overruns"],
        "first": first,
        "stable": stable,
        "genre": genre,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--music", type=Path, help="music to play (default: 40 s of generated chords and drums)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each music session listens")
    parser.add_argument("--no-pulse", action="store_true", help="skip the real PortAudio path through PulseAudio")
    args = parser.parse_args()

    from tests.live.pulse import PulseUnavailableError, start_virtual_microphone

    pulse_problem = "skipped (--no-pulse)"
    if not args.no_pulse:
        try:
            os.environ["PULSE_SERVER"] = start_virtual_microphone()  # before the XDG dirs hide the server
            pulse_problem = ""
        except PulseUnavailableError as exc:
            pulse_problem = str(exc)
    work = Path(tempfile.mkdtemp(prefix="live-bench-"))
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[variable] = str(work / variable.lower())  # the bench leaves the user's settings and library alone

    import soundfile as sf
    from PySide6.QtWidgets import QApplication

    from musictagger.audio.capture import DeviceSource, FileSource, find_device
    from musictagger.gui.live_panel import LivePanel
    from musictagger.gui.settings import Settings
    from musictagger.gui.tasks import TaskRunner
    from musictagger.model.manifest import load_manifest
    from musictagger.model.runtime import analyze, default_model_path
    from tests.audio.signals import music as music_signal

    app = QApplication.instance() or QApplication([])
    clicks = work / "clicks.wav"
    sf.write(clicks, click_track(CLICKS + 1.0).T, SR, subtype="FLOAT")
    music = args.music
    if music is None:
        music = work / "music.wav"
        sf.write(music, np.stack([music_signal(sr=SR, seconds=40.0, seed=3)] * 2).T, SR, subtype="PCM_16")
    expected = analyze(music).genre

    model_path = default_model_path()
    panel = LivePanel(
        load_manifest(model_path, verify_digest=False), model_path, Settings(work / "gui.ini"), TaskRunner("io")
    )
    panel.resize(1200, 700)
    panel.show()
    rows = [measure(panel, "file, real time", lambda path: (FileSource(path), None), clicks, music, args.seconds, 0.0)]
    if not pulse_problem:
        import sounddevice

        device = find_device("pulse")
        reported = float(sounddevice.query_devices(device.index)["default_low_input_latency"])
        rows.append(
            measure(
                panel,
                f"PulseAudio (+{reported * 1000:.0f} ms input)",
                lambda path: (DeviceSource(device), path),
                clicks,
                music,
                args.seconds,
                reported,
            )
        )
    panel.shutdown()
    del app

    def ms(values: list[float], q: float) -> str:
        return f"{np.percentile(values, q) * 1000:.0f}" if values else "-"

    def s(value: float | None) -> str:
        return f"{value:.1f}" if value is not None else "-"

    print(f"music: {music} (file analysis: {expected}); music sessions {args.seconds:g} s; 2-core CPU")
    print(
        "| source | first audio after Record (ms) | clicks seen | latency median / max (ms) | frames drawn/s | paints/s | longest paint gap (ms; UI thread busy) | CPU (% of a core) "
        "| model step (s) | skipped steps | overruns | first verdict (s) | stable genre (s) | genre |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['source']} | {row['first_audio'] * 1000:.0f} | {row['clicks']} | {ms(row['latency'], 50)} / {ms(row['latency'], 100)} "
            f"| {row['fps']:.1f} | {row['paints']:.1f} | {row['gap'] * 1000:.0f} ({row['gap_cpu'] * 1000:.0f}) | {row['cpu'] * 100:.0f} | {row['step']:.2f} | {row['skipped']} "
            f"| {row['overruns']} | {s(row['first'])} | {s(row['stable'])} | {row['genre']} |"
        )
    if pulse_problem:
        print(f"PulseAudio path: {pulse_problem}")
    sys.stdout.flush()
    os._exit(0)  # PySide6 6.12 + pyqtgraph abort in the interpreter's final GC (see musictagger.gui.app.main)


if __name__ == "__main__":
    main()
