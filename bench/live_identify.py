"""Live listening names the library track that is playing: Emotify music heard through a room, in real time.

    python bench/live_identify.py ../shared/datasets/emotify [--tracks 20] [--seconds 32] [--start 10]
        [--strengths 0 0.25 0.5] [--no-pulse]

The library: every track of the collection indexed by the default model (:func:`index_folders`, in
private user dirs, so the user's own library is left alone).

1. **Front end** (no live path): every validation and test track heard through the evaluation's room
   (:func:`musictagger.audio.augment.room_capture`, the track's own draw), one model window from
   ``--start`` s, analysed with the model's front end at each noise-reduction strength of
   ``--strengths`` (spectral subtraction of the noise floor, :func:`musictagger.audio.features.reduce_noise`,
   which live listening once applied at 0.5): per split, the share whose own track the library's
   search shows first, whose best genre is right, that keep a genre, and that are right among those.
2. **Live**: for ``--tracks`` of those tracks (every ``n``-th, the same each run), ``--seconds`` from
   ``--start`` s heard through the same room and played in real time into the live pipeline: through a
   PulseAudio null sink and PortAudio, the path of a real microphone, where PulseAudio runs (``paplay``),
   else a :class:`FileSource`.  :class:`LiveRecognizer` listens with the default settings a user gets
   (smoothing, a verdict a second), and its last verdict's code searches the library as the window's
   Live panel does (:func:`find_similar` with the model's :attr:`match_bits`).  Per track: the rank of
   its own track and the first match, and from how many seconds heard (since Record) on every step's
   first match was the track; then the share found first (with a bootstrap interval over the tracks) and
   in the top 10, and the median of those seconds.  Whether the first match is named as playing (the
   model's recognition policy, :mod:`musictagger.model.recognition`): at the last step, and on how many
   steps; and how many steps would name a track as playing were the track heard not in the library (the
   search leaving it out), the false claims a song the library does not hold draws.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from musictagger.audio.capture import AudioSource, DeviceSource, FileSource, find_device
from musictagger.audio.decode import decode_mono
from musictagger.audio.frontend import features_from_signal
from musictagger.collection import Collection, Track, load_collection
from musictagger.evaluation.metrics import bootstrap_ci
from musictagger.evaluation.outcomes import heard_in_room
from musictagger.library import Library, Match, current_index, find_similar, index_folders
from musictagger.library.search import model_family, playing_first
from musictagger.live import LiveRecognizer, LiveResult, LiveSettings
from musictagger.model.recognition import MATCHES_LISTED
from musictagger.model.runtime import Analysis, GenreModel, load_model

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the virtual microphone of the tests (tests/live/pulse.py)

Search = Callable[..., list[Match]]
"""The library's search as the window's Live panel runs it, on an analysis's or a live step's code."""

SR = 44100
"""What the room's capture is written at and played back at: a microphone's rate, resampled by the live path."""


def listen(
    recognizer: LiveRecognizer, source: AudioSource, player: subprocess.Popen | None, interval_s: float
) -> list[LiveResult]:
    """Step ``recognizer`` once an interval until the music has ended; the steps that had a code, in order."""
    steps = []
    started = time.monotonic()
    while source.running and (player is None or player.poll() is None):
        time.sleep(max(0.0, interval_s - (time.monotonic() - started) % interval_s))
        result = recognizer.step()
        if result.bits is not None:
            steps.append(result)
    return steps


def named_from(steps: list[LiveResult], firsts: list[str], own: str) -> float | None:
    """Seconds heard (since Record) from which every step's first match is ``own``; None if the last is not."""
    named = None
    for step, first in zip(steps, firsts, strict=True):
        named = (named if named is not None else step.heard_s) if first == own else None
    return named


def room_seconds(track: Track, start_s: float, seconds: float) -> np.ndarray:
    """``seconds`` of ``track`` from ``start_s`` as the evaluation's room hears them, mono at :data:`SR`."""
    y = decode_mono(track.path, sr=SR)
    return heard_in_room(track, y, SR, seed=0, start=round(start_s * SR), length=round(seconds * SR))


def front_end_table(
    collection: Collection, library: Library, model: GenreModel, search: Search, args: argparse.Namespace
) -> None:
    """Part 1: the room's window analysed at each noise-reduction strength, per split."""
    print("| split | noise reduction | own track first | best genre right | keeps a genre | right among kept |")
    print("|---|---:|---:|---:|---:|---:|")
    window_s = model.manifest.front_end.window_seconds
    for split in ("valid", "test"):
        rows = {strength: [] for strength in args.strengths}
        for track in collection.tracks(split):
            heard = room_seconds(track, args.start, window_s)
            for strength in args.strengths:
                params = dataclasses.replace(model.manifest.front_end, noise_reduction=strength)
                features = features_from_signal(heard, sr=SR, params=params, n_windows=1, source=str(track.path))
                analysis = model.analyze_features(features, source=str(track.path))
                (first, *_) = search(library, analysis)
                truth = collection.labels[track.label]
                kept = analysis.verdict.kind == "genre"
                rows[strength].append(
                    (
                        first.record.path == str(track.path.resolve()),
                        model.labels[int(np.argmax(analysis.probabilities))] == truth,
                        kept,
                        kept and analysis.verdict.genre == truth,
                    )
                )
        for strength, outcomes in rows.items():
            first, right, kept, kept_right = np.array(outcomes).T
            print(
                f"| {split} | {strength:g} | {first.mean():.3f} | {right.mean():.3f} | {kept.mean():.3f} | "
                f"{kept_right.sum() / max(kept.sum(), 1):.3f} |"
            )


def live_table(
    collection: Collection, library: Library, model: GenreModel, search: Search, args: argparse.Namespace, work: Path
) -> None:
    """Part 2: tracks heard in the room played in real time into the live pipeline."""
    settings = LiveSettings()
    asked = [track for split in ("valid", "test") for track in collection.tracks(split)]
    asked = asked[:: max(1, len(asked) // args.tracks)][: args.tracks]
    through = "PulseAudio and PortAudio" if not args.pulse_problem else f"FileSource ({args.pulse_problem})"
    print(f"\nlive, heard through {through}, {args.seconds:g} s from {args.start:g} s:")
    print(
        "| track | own track's rank | first match | named from (s heard) | playing at the end | steps naming it "
        "playing | steps naming another playing, it left out |"
    )
    print("|---|---:|---|---:|---|---:|---:|")
    policy, bits = model.manifest.recognition_policy, model.manifest.match_bits
    ranks, named, playing_at_end, steps_playing, false_claims = [], [], [], [], []
    for track in asked:
        heard = work / "heard.wav"
        sf.write(heard, room_seconds(track, args.start, args.seconds), SR, subtype="PCM_16")
        player = None
        source = FileSource(heard) if args.pulse_problem else DeviceSource(find_device("pulse"))
        recognizer = LiveRecognizer(model, source, settings)
        source.start()
        if not args.pulse_problem:
            player = subprocess.Popen(["paplay", f"--device={args.sink}", str(heard)])
        try:
            steps = listen(recognizer, source, player, settings.interval_s)
        finally:
            source.stop()
            if player is not None:
                player.wait()
        if not steps:
            ranks.append(None)
            print(f"| {track.relative} | no verdict | | |")
            continue
        own = str(track.path.resolve())
        found = [search(library, step) for step in steps]
        named_playing = [playing_first(policy, m, bits) and m[0].record.path == own for m in found]
        claims = [bool(playing_first(policy, search(library, step, exclude_path=own), bits)) for step in steps]
        firsts = [m[0].record.path for m in found[:-1]]
        paths = [match.record.path for match in search(library, steps[-1])]
        rank = paths.index(own) + 1 if own in paths else None
        ranks.append(rank)
        named.append(named_from(steps, [*firsts, paths[0]], own))
        playing_at_end.append(bool(named_playing[-1]))
        steps_playing.append((sum(map(bool, named_playing)), len(steps)))
        false_claims.append((sum(claims), len(steps)))
        first = Path(paths[0]).relative_to(args.data.resolve())
        since = "-" if named[-1] is None else f"{named[-1]:.0f}"
        print(
            f"| {track.relative} | {rank or '> 10'} | {first} | {since} | {'yes' if named_playing[-1] else 'no'} | "
            f"{steps_playing[-1][0]}/{len(steps)} | {false_claims[-1][0]}/{len(steps)} |"
        )
    found = np.array([rank == 1 for rank in ranks])
    top10 = np.array([rank is not None for rank in ranks])
    print(
        f"own track first: {found.sum()} of {len(ranks)}, {bootstrap_ci(np.mean, found.astype(float))} "
        f"(95% bootstrap interval); in the top 10: {top10.sum()}"
    )
    if policy is not None:
        print(
            f"named as playing at the last step: {sum(playing_at_end)} of {len(playing_at_end)}; on "
            f"{sum(n for n, _ in steps_playing)} of {sum(t for _, t in steps_playing)} steps; with the track left "
            f"out of the library, another named as playing on {sum(n for n, _ in false_claims)} of "
            f"{sum(t for _, t in false_claims)} steps (on some step for {sum(n > 0 for n, _ in false_claims)} tracks)"
        )
    else:
        print(f"{model.path.name} has no recognition distance: it names no track as playing")
    heard = [seconds for seconds in named if seconds is not None]
    if heard:
        print(
            f"named for good after a median of {np.median(heard):.0f} s heard (range {min(heard):.0f}–{max(heard):.0f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("--tracks", type=int, default=20, help="how many tracks the live part plays")
    parser.add_argument("--seconds", type=float, default=32.0, help="how long the live part hears each track")
    parser.add_argument("--start", type=float, default=10.0, help="where in each track the room starts hearing it")
    parser.add_argument("--strengths", type=float, nargs="+", default=[0.0, 0.25, 0.5])
    parser.add_argument("--no-pulse", action="store_true", help="play into the pipeline directly (FileSource)")
    args = parser.parse_args()
    from tests.live.pulse import SINK, PulseUnavailableError, start_virtual_microphone

    args.sink = SINK

    args.pulse_problem = "skipped (--no-pulse)"
    if not args.no_pulse:
        try:
            os.environ["PULSE_SERVER"] = start_virtual_microphone()  # before the XDG dirs hide the server
            args.pulse_problem = ""
        except PulseUnavailableError as exc:
            args.pulse_problem = str(exc)
    work = Path(tempfile.mkdtemp(prefix="live-identify-"))
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[variable] = str(work / variable.lower())

    collection = load_collection(args.data)
    started = time.perf_counter()
    summary = index_folders([args.data.resolve()], workers=2)
    model = load_model()
    print(f"indexed {summary.analysed} tracks in {time.perf_counter() - started:.0f} s with {model.path.name}")
    print(f"the search compares {model.manifest.match_bits} bits of {model.manifest.bits}")
    with Library() as library:
        index = current_index(library)
        family = model_family(model.path)

        def search(library: Library, analysed: Analysis | LiveResult, exclude_path: str | None = None) -> list[Match]:
            return find_similar(
                library,
                analysed.bits,
                analysed.relaxed_code,
                k=MATCHES_LISTED,
                exclude_path=exclude_path,
                index=index,
                models=family,
                match_bits=model.manifest.match_bits,
            )

        front_end_table(collection, library, model, search, args)
        live_table(collection, library, model, search, args, work)


if __name__ == "__main__":
    main()
