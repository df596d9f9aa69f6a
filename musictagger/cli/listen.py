"""``musictagger listen``: live genre, hash code and nearest library tracks from a microphone.

One line per step (every second): time heard, input level, the smoothed verdict (a genre,
``not one of my genres`` or ``not music``, as ``analyze`` says it; the active personal model's, if any), the code and the nearest
library track.  ``--file`` plays a file through the same live pipeline at
real-time speed instead of a device (a test seam, and a demo without a microphone).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from musictagger.audio.capture import AudioSource, DeviceSource, FileSource, find_device, input_devices
from musictagger.audio.signal import level_words
from musictagger.cli.json_fields import verdict_field
from musictagger.cli.lines import with_path, wrap
from musictagger.cli.options import positive_seconds
from musictagger.errors import CaptureError, FileError
from musictagger.library import CodeIndex, Library, current_index, find_similar
from musictagger.library.search import model_family
from musictagger.live import LiveRecognizer, LiveResult, LiveSettings, LiveState
from musictagger.live.recorder import Recorder
from musictagger.model.manifest import ModelManifest
from musictagger.personal.active import load_active_model

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
    parser.add_argument("--json", action="store_true", help="one JSON object per step")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.list_devices:
        devices = input_devices()
        for device in devices:
            print(wrap(f"{device.index}: {device}"))
        if not devices:
            print("no input devices")
        return 0
    if args.save and not args.save.parent.is_dir():  # said now, not once all that was heard cannot be saved
        raise FileError(args.save, "cannot save the recording: no such folder")
    source: AudioSource = FileSource(args.file) if args.file else DeviceSource(find_device(args.device))
    settings = LiveSettings(interval_s=args.interval, start_after_s=args.start_after)
    model = load_active_model()
    recognizer = LiveRecognizer(model, source, settings)
    family = model_family(model.path)
    json_field = verdict_field(model.head) if args.json else None
    with Library() as library:
        index = current_index(library)
        source.start()
        recorder = Recorder(source) if args.save else None
        started = time.monotonic()
        try:
            while args.seconds is None or time.monotonic() - started < args.seconds:
                time.sleep(max(0.0, settings.interval_s - (time.monotonic() - started) % settings.interval_s))
                if source.failure:
                    raise CaptureError(source.failure)
                if recorder:
                    recorder.drain()
                result = recognizer.step()
                index = current_index(library, index)  # tracks indexed meanwhile are found too
                nearest = _nearest(library, index, result, family, model.manifest)
                print(_format(result, nearest, source.overruns, json_field), flush=True)
                if args.file and not source.running:
                    break
        except KeyboardInterrupt:
            pass
        finally:
            source.stop()
            if recorder:
                print(with_path("saved ", recorder.save(args.save), f" ({recorder.seconds:.1f} s)"))
    return 0


def _nearest(
    library: Library, index: CodeIndex, result: LiveResult, models: frozenset[str], manifest: ModelManifest
) -> str | None:
    """The nearest library track, with how many of the compared code bits differ and which part of it was nearest."""
    if result.state is not LiveState.RECOGNISED or len(index) == 0:
        return None
    matches = find_similar(
        library, result.bits, result.relaxed_code, k=1, index=index, models=models, match_bits=manifest.match_bits
    )
    if not matches:
        return None
    (match,) = matches
    part = match.part_text(manifest.front_end.window_seconds)
    differ = "1 bit differs" if match.distance == 1 else f"{match.distance} bits differ"
    return f"{match.record.display_name} ({differ}, {part})"


def _format(result: LiveResult, nearest: str | None, overruns: int, json_field: str | None) -> str:
    """One step's line: text, or given ``json_field`` (what the verdict is of), a JSON object whose verdict fields
    are those of ``analyze --json``."""
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
                "nearest": nearest,
                "overruns": overruns,
                "step_s": round(result.elapsed_s, 3),
            }
        )
    code = f"  {result.code_hex}" if result.code_hex else ""
    near = f"  ≈ {nearest}" if nearest else ""
    return wrap(f"{result.heard_s:6.1f} s  {level_words(result.level_dbfs, 1):>11}  {result.summary()}{code}{near}")
