"""``musictagger listen``: live genre, hash code and nearest library tracks from a microphone.

One line per step (every second): time heard, input level, the smoothed verdict (a genre, ``not one of my genres``
or ``not music``, as ``analyze`` says it; the active personal model's, if any), the code, the nearest library track
(``playing:`` when it is near enough to be the music heard, :mod:`musictagger.model.recognition`) and what lowers
trust in what was heard (clipping), as ``analyze`` notes it.  ``--file`` plays a file through the same
live pipeline at real-time speed instead of a device (a test seam, and a demo without a microphone).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from musictagger.audio.capture import AudioSource, DeviceSource, FileSource, find_device, input_devices
from musictagger.audio.signal import level_words
from musictagger.cli.json_fields import document, verdict_field
from musictagger.cli.lines import with_path, wrap
from musictagger.cli.options import positive_seconds
from musictagger.cli.similar import match_document
from musictagger.errors import CaptureError, FileError, MusictaggerError, one_line
from musictagger.library import CodeIndex, Library, Match, current_index, find_similar
from musictagger.library.search import model_family, playing_first
from musictagger.live import LiveRecognizer, LiveResult, LiveSettings, LiveState
from musictagger.live.recorder import Recorder
from musictagger.model.recognition import MATCHES_LISTED
from musictagger.model.runtime import GenreModel
from musictagger.personal.active import load_active_model, matches_through
from musictagger.userdirs import library_db_path

DEFAULTS = LiveSettings()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("listen", help="recognise what an input device hears, live")
    parser.add_argument("--device", help="input device index or name (default: the system's default input)")
    parser.add_argument("--list-devices", action="store_true", help="list input devices and exit")
    parser.add_argument("--file", type=Path, help="play FILE through the live pipeline instead of a device")
    parser.add_argument(
        "--seconds", type=positive_seconds, default=None, help="stop after this long (default: until Ctrl-C)"
    )
    parser.add_argument(
        "--interval",
        type=positive_seconds,
        default=DEFAULTS.interval_s,
        help="seconds between verdicts (default: %(default)g)",
    )
    parser.add_argument(
        "--start-after",
        type=float,
        default=DEFAULTS.start_after_s,
        help="seconds heard before the first verdict (default: %(default)g)",
    )
    parser.add_argument("--save", type=Path, metavar="WAV", help="save what was heard to WAV at the end")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per step (with --list-devices: one JSON document)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.list_devices:
        return _list_devices(as_json=args.json)
    if args.save and not args.save.parent.is_dir():  # said now, not once all that was heard cannot be saved
        raise FileError(args.save, "cannot save the recording: no such folder")
    if args.save and args.save.is_dir():
        raise FileError(args.save, "cannot save the recording: it is a folder; name a file in it")
    source: AudioSource = FileSource(args.file) if args.file else DeviceSource(find_device(args.device))
    settings = LiveSettings(interval_s=args.interval, start_after_s=args.start_after)
    model = load_active_model()
    recognizer = LiveRecognizer(model, source, settings)
    family = model_family(model.path)
    json_field = verdict_field(model.head) if args.json else None
    window_seconds = model.manifest.front_end.window_seconds
    with contextlib.ExitStack() as held:
        library = _library_once_made(held, None)
        index = current_index(library) if library is not None else None
        recorder = Recorder(source) if args.save else None  # before the source starts: it keeps from the first frame
        source.start()
        started = time.monotonic()
        try:
            while args.seconds is None or time.monotonic() - started < args.seconds:
                time.sleep(max(0.0, settings.interval_s - (time.monotonic() - started) % settings.interval_s))
                if source.failure:
                    raise CaptureError(source.failure)
                if recorder:
                    recorder.drain()
                result = recognizer.step()
                library = _library_once_made(held, library)
                index = current_index(library, index) if library is not None else None  # tracks indexed meanwhile too
                matches = (
                    _matches(library, index, result, family, model) if library is not None and index is not None else []
                )
                is_playing = playing_first(model.manifest.recognition_policy, matches, model.manifest.match_bits)
                nearest = matches[0] if matches else None
                line = _format(result, nearest, is_playing, source.overruns, json_field, window_seconds)
                print(line, flush=True)
                if args.file and not source.running:
                    break
        except KeyboardInterrupt:
            pass
        finally:
            source.stop()
            if recorder:  # said on stderr under --json, whose lines on stdout are the steps' objects alone
                _keep(recorder, args.save, said_on=sys.stderr if args.json else sys.stdout)
    return 0


def _library_once_made(held: contextlib.ExitStack, library: Library | None) -> Library | None:
    """The library index to search: ``library`` once open, else opened (and closed with ``held``) once its file is
    there, None until then.  Listening makes no library of its own (a command that only reads leaves no empty index
    behind), and one that ``index`` makes while it listens is searched from then on, as are tracks indexed into it.
    Something else in its place (a link to an unmounted drive, a folder) is opened, to say why it cannot be read, as a
    reader opens it: a writer's open followed a link to an empty mount point and made an empty index there."""
    path = library_db_path()
    if library is None and (path.exists() or path.is_symlink()):
        library = held.enter_context(Library(create=False))
    return library


def _keep(recorder: Recorder, path: Path, *, said_on: TextIO) -> None:
    """Save the recording to ``path`` with what was heard since the loop's last drain, and say so on ``said_on``.

    The disk may have filled since that drain (a Ctrl-C or ``--seconds`` comes between two): the last drain's error
    then comes after what was recorded until then is saved where asked, as when a drain in the loop fails; raised
    by the save itself, it left the recording in the cache folder and nothing at ``path``."""
    try:
        recorder.drain()
    except FileError as exc:  # the recording is closed, whole up to the write that failed
        stopped = exc
    else:
        stopped = None
    print(with_path("saved ", _save(recorder, path), f" ({recorder.seconds:.1f} s)"), file=said_on)
    if stopped is not None:
        raise stopped


def _save(recorder: Recorder, path: Path) -> Path:
    """Save the recording to ``path``; when it cannot be (a full disk, no permission), say where what was heard is
    kept, hours of it perhaps."""
    try:
        return recorder.save(path)
    except FileError as exc:
        kept = one_line(str(recorder.path))
        raise MusictaggerError(
            f"{exc}; what was heard is kept in {kept} ({recorder.seconds:.1f} s)", paths=[*exc.paths, kept]
        ) from exc


def _list_devices(*, as_json: bool) -> int:
    """Print the input devices PortAudio sees, marking the one ``listen`` takes without ``--device``; as JSON,
    ``{"devices": [{index, name, channels, default_sample_rate, host_api, default}]}``."""
    devices = input_devices()
    default = find_device(None) if devices else None
    if as_json:
        print(document({"devices": [{**dataclasses.asdict(d), "default": d == default} for d in devices]}))
        return 0
    for device in devices:
        print(wrap(f"{device.index}: {device}{'  (the default)' if device == default else ''}"))
    if not devices:
        print("no input devices")
    return 0


def _matches(
    library: Library, index: CodeIndex, result: LiveResult, models: frozenset[str], model: GenreModel
) -> list[Match]:
    """The nearest library tracks, nearest first, as many as the Live panel lists (whether the first is what plays
    is told from the others), their verdicts the active model's (a personal model's labels)."""
    if result.state is not LiveState.RECOGNISED or len(index) == 0:
        return []
    matches = find_similar(
        library,
        result.bits,
        result.relaxed_code,
        k=MATCHES_LISTED,
        index=index,
        models=models,
        match_bits=model.manifest.match_bits,
    )
    return matches_through(matches, model.head)


PLAYING_WORDS = {True: "playing", False: "nearest, not recognised", None: "nearest"}
"""How the nearest track is introduced: the music heard, a track too far to be it, or a model that cannot tell."""


def _nearest_text(match: Match, is_playing: bool | None, window_seconds: float) -> str:
    """The nearest track in words: whether it is what plays, its name, how many of the compared code bits differ
    and which part was nearest."""
    differ = "1 bit differs" if match.distance == 1 else f"{match.distance} bits differ"
    name = one_line(match.record.display_name)
    return f"{PLAYING_WORDS[is_playing]}: {name} ({differ}, {match.part_text(window_seconds)})"


def _format(
    result: LiveResult,
    nearest: Match | None,
    is_playing: bool | None,
    overruns: int,
    json_field: str | None,
    window_seconds: float,
) -> str:
    """One step's line: text, or given ``json_field`` (what the verdict is of), a JSON object whose verdict fields
    are those of ``analyze --json``, whose ``nearest`` is a match of ``similar --json`` (the track by its absolute
    path), or null, and whose ``playing`` says whether that track is the music heard (null: no track, or a model
    that cannot tell: ``is_playing``)."""
    if json_field is not None:
        verdict = result.verdict
        return json.dumps(
            {
                "heard_s": round(result.heard_s, 2),
                "level_dbfs": round(result.level_dbfs, 1) if result.level_dbfs > -200 else None,
                "state": result.state.name.lower(),
                "summary": result.summary(),
                "genre": result.genre,
                "field": json_field,
                "verdict": verdict.kind if verdict else None,
                "reason": (verdict.reason or None) if verdict else None,
                "nearest_genre": verdict.nearest if verdict else None,
                "confidence": round(result.confidence, 4) if result.confidence is not None else None,
                "code_hex": result.code_hex,
                "warnings": list(result.notes),
                "nearest": match_document(nearest, window_seconds) if nearest else None,
                "playing": is_playing,
                "overruns": overruns,
                "step_s": round(result.elapsed_s, 3),
            }
        )
    code = f"  {result.code_hex}" if result.code_hex else ""
    near = f"  {_nearest_text(nearest, is_playing, window_seconds)}" if nearest else ""
    notes = "".join(f"  ({note})" for note in result.notes)
    level = level_words(result.level_dbfs, 1)
    return wrap(f"{result.heard_s:6.1f} s  {level:>11}  {result.summary()}{code}{near}{notes}")
