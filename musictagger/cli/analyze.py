"""``musictagger analyze FILE...``: genre, confidence, top-k and hash code of each file.

A folder stands for the audio files under it, found as ``index`` finds them
(:func:`musictagger.library.scan.scan`); a file named on the command line is analysed whatever
its extension.  With a personal model active (``musictagger models --use NAME``) the verdict is
in the user's labels.

A track the model has no genre for (``not music``, or ``not one of my genres``) is a verdict,
not a failure: it is printed with its reason and the exit status stays 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from musictagger.cli.json_fields import failure, file_name
from musictagger.cli.lines import error_line, path_line, wrap
from musictagger.cli.options import add_files_from_option, positive_int
from musictagger.cli.paths import expand_folders, listed_files
from musictagger.errors import FileError, MusictaggerError, one_line, unexpected
from musictagger.interrupts import print_whole, stopped_status
from musictagger.model.runtime import Analysis, GenreModel
from musictagger.model.verdict import reason_sentence
from musictagger.model.windows_choice import windows_for
from musictagger.personal.active import load_active_model, not_in_use_note_for

VALUES_AT = 10
"""The column a file's values start at, after ``  reason: ``, and their wrapped lines too."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyze", aliases=["analyse"], help="predict the genre and hash code of audio files (also: analyse)"
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="audio files, or folders to search")
    add_files_from_option(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per file (JSON Lines): its "file" is the absolute path, its "field" what the '
        "verdict is of (genre, or a personal model's field: mood …)",
    )
    parser.add_argument("-k", "--top", type=positive_int, default=3, help="genres to list per file (default 3)")
    parser.add_argument(
        "--windows",
        type=positive_int,
        default=None,
        help="analysis windows per track (default: the number chosen in the window's Settings, else the model's)",
    )
    parser.add_argument("--model", type=Path, default=None, help="ONNX model (default: the shipped one)")
    parser.set_defaults(run=run, usage_error=parser.error)


def format_text(analysis: Analysis, top_k: int) -> str:
    """Human-readable block for one file."""
    ranked = [f"{s.label} {s.probability:.2f}" for s in analysis.ranking[:top_k]]
    source = one_line(str(analysis.source))
    # The field the verdict is a value of: "mood:" for a personal mood model's, whose labels are moods.
    lines = [source, f"{'  ' + analysis.field + ':':<{VALUES_AT - 1}} {analysis.summary()}"]
    if analysis.unknown:
        lines.append(f"  reason: {reason_sentence(analysis.verdict.reason)}")
    lines += [
        f"  top:    {'  '.join(ranked)}",
        f"  code:   {analysis.code_hex}",
        f"  bits:   {''.join(str(int(b)) for b in analysis.bits)}",
    ]
    lines += [f"  note:   {w}" for w in analysis.warnings]
    return "\n".join(wrap(line, [source, *ranked], hang=VALUES_AT) for line in lines)


def run(args: argparse.Namespace) -> int:
    if args.files_from is None and not args.files:
        args.usage_error("give the files or folders to analyse (FILE …), or list them (--files-from LIST)")
    # A list may be empty: nothing to do (a nightly `find -newer` that found nothing), not a mistake.
    files, problems = expand_folders(
        args.files + (listed_files(args.files_from) if args.files_from is not None else [])
    )
    for path, reason in problems:
        print(path_line("error", path, reason), file=sys.stderr)
        if args.json:  # a folder without audio, or one that cannot be read, gets its line as a file does
            print_whole(json.dumps(failure(path, reason)))
    model = load_active_model(args.model)
    if note := not_in_use_note_for(args.model):
        print(wrap(f"note: {note}"), file=sys.stderr)
    done = failed = 0
    try:
        for path in files:
            output, error = _outcome(model, path, args)
            done, failed = done + 1, failed + (error is not None)  # counted before printed: an interrupt waits for it
            if error is not None:
                print(error, file=sys.stderr)
            if output is not None:
                print_whole(output)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: say how far the batch went
        rest = len(files) - done
        print(
            wrap(f"interrupted: {done} of {len(files)} files done ({failed} failed), {rest} not analysed"),
            file=sys.stderr,
        )
        return stopped_status()
    if failed:
        print(f"{failed} of {len(files)} files could not be analysed", file=sys.stderr)
    if problems:
        paths = "1 other path was" if len(problems) == 1 else f"{len(problems)} other paths were"
        print(f"{paths} not analysed (listed above)", file=sys.stderr)
    return 1 if failed or problems else 0


def _outcome(model: GenreModel, path: Path, args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The file at ``path`` analysed: what its output says (its verdict; with ``--json`` its error too), and its
    ``error: …`` line, None for a file analysed."""
    try:
        analysis = model.analyze_file(path, n_windows=windows_for(args.windows))
    except Exception as exc:  # a bug met on one file is that file's failure too (errors.unexpected)
        error = exc if isinstance(exc, MusictaggerError) else FileError(path, unexpected(exc, path))
        reason = error.reason if isinstance(error, FileError) else str(error)
        # with --json one object per file, failures included, for a script reading the lines
        return (json.dumps(failure(path, reason)) if args.json else None), error_line(error)
    if args.json:  # "field": what the labels are ("mood": a personal mood model's, whose "genre" keys hold moods)
        return json.dumps(analysis.to_dict(top_k=args.top) | {"file": file_name(path), "field": analysis.field}), None
    return format_text(analysis, args.top), None
