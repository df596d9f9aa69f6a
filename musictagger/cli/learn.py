"""``musictagger learn``: train a personal model on the labels already in the library's tags.

Prints the survey (labels kept with their tracks, merged spellings, labels left out and why),
trains with a progress bar, then the cross-validated report per label with the confusions in
words, and how to make the model active.  Nothing is activated by this command.
"""

from __future__ import annotations

import argparse
import sys

from musictagger.cli.lines import LINE_WIDTH, with_path, wrap
from musictagger.cli.options import positive_int
from musictagger.cli.progress import progress_bar
from musictagger.cli.table import clip, format_table
from musictagger.interrupts import stopped_status
from musictagger.library import Library
from musictagger.personal.learn import LearnedModel, learn
from musictagger.personal.store import PersonalModelError, check_name, saved_stamp
from musictagger.personal.vocabulary import LabelSurvey, label_key, survey
from musictagger.tags.formats import LABEL_FIELDS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("learn", help="learn your own genres (or moods …) from the tags in your library")
    parser.add_argument(
        "--field", default="genre", choices=LABEL_FIELDS, help="the tag field to learn (default genre); `tag` writes it"
    )
    parser.add_argument(
        "--min-per-label",
        type=positive_int,
        default=10,
        metavar="N",
        help="keep labels with at least N tracks, N >= 1 (default 10)",
    )
    parser.add_argument("--exclude", nargs="+", default=[], metavar="LABEL", help="labels to leave out")
    parser.add_argument(
        "--name",
        type=model_name,
        default=None,
        help="the model's name: letters, digits, '.', '_' or '-', starting with a letter or digit "
        "(default: the field's name); a model of that name is replaced",
    )
    parser.set_defaults(run=run)


def model_name(text: str) -> str:
    """An argparse type: a name :func:`~musictagger.personal.store.check_name` accepts."""
    if not text:
        raise argparse.ArgumentTypeError("a model's name cannot be empty (leave --name out to use the field's name)")
    try:
        return check_name(text)
    except PersonalModelError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    name = args.name or args.field
    saved_before, stage = saved_stamp(name), [f"reading the {args.field} tags"]
    try:
        with Library(create=False) as library:
            found = survey(library, field=args.field, min_per_label=args.min_per_label, exclude=args.exclude)
            print(format_survey(found))
            for label in unmatched(args.exclude, found):
                print(wrap(f"  --exclude {label!r} matched no {found.field} label in the library"))
            if per_track := library.embedding_bytes():  # none in an index without a track
                print(wrap(f"  the index keeps {per_track:.0f} bytes per track for learning (float16 embeddings)"))
            with progress_bar(total=100, desc="learning", unit="%", leave=False) as bar:

                def progress(fraction: float, text: str) -> None:
                    stage[0] = text
                    bar.set_postfix_str(text)
                    bar.update(round(100 * fraction) - bar.n)

                learned = learn(
                    library,
                    field=args.field,
                    min_per_label=args.min_per_label,
                    exclude=args.exclude,
                    name=args.name,
                    on_progress=progress,
                )
    except KeyboardInterrupt:  # it said 'interrupted' alone: whether a model was saved, or the old one kept, unsaid
        print(wrap(interrupted_text(name, stage[0], saved_before)), file=sys.stderr)
        return stopped_status()
    print(format_report(learned))
    return 0


def interrupted_text(name: str, stage: str, saved_before: tuple[int, int] | None) -> str:
    """What ``learn`` stopped by Ctrl-C (or SIGTERM, SIGHUP) did, as ``index``, ``tag`` and ``undo`` say it: how far it
    went (its last ``stage``) and what is kept: the model saved, or none, and the model of that name that was there
    before (``saved_before``, :func:`~musictagger.personal.store.saved_stamp`) as it was."""
    if saved_stamp(name) != saved_before:
        return f"interrupted once the personal model {name!r} was saved (see `musictagger models`)"
    kept = f"; the personal model {name!r} is as it was" if saved_before else ""
    return f"interrupted while learning ({stage}): no model was saved{kept}"


def unmatched(exclude: list[str], found: LabelSurvey) -> list[str]:
    """The ``--exclude`` labels that name no label found, in any spelling."""
    keys = {label_key(spelling) for spellings in found.spellings.values() for spelling in spellings}
    return [label for label in exclude if label_key(label) not in keys]


def format_survey(found: LabelSurvey) -> str:
    """The labels found in the library's tags, in words and a table."""
    lines = [
        wrap(
            f"{found.field}: {found.tagged_tracks} tagged tracks to learn from, "
            f"{found.untagged_tracks} without a {found.field}"
        )
    ]
    if found.missing_embeddings:
        lines.append(
            wrap(f"  {found.missing_embeddings} tracks need `musictagger index` again before they can be used")
        )
    if found.to_index:
        lines.append(wrap(f"  {found.to_index_words()}, and are left out: `musictagger index` analyses them again"))
    rows = [
        (clip(label), str(count), clip(", ".join(s for s in found.spellings[label] if s != label)))
        for label, count in found.labels.items()
    ]
    if rows:  # a heading over no label said nothing
        lines.append(format_table(("label", "tracks", "also spelt"), rows, fit=LINE_WIDTH))
    return "\n".join([*lines, *excluded_lines(found)])


EXCLUDED_LINES = 12
"""Most lines the labels left out take: beyond, those too small to learn are counted in one line."""
NAMED_IN_SUMMARY = 3


def excluded_lines(found: LabelSurvey) -> list[str]:
    """One line per label left out, and why, at most :data:`EXCLUDED_LINES`: the labels too small to learn
    beyond those (hundreds of one-off genres in a collector's tags) are counted in the last line, naming the first
    few; the user's exclusions and the labels shadowed by a commoner one are always listed."""
    small = found.too_few()
    listed = max(EXCLUDED_LINES - 1 - (len(found.excluded) - len(small)), 0)  # the small ones that keep a line
    folded = small[listed:] if len(small) - listed > 1 else []
    hidden = set(folded)
    lines = [wrap(f"  excluded: {clip(label)}: {why}") for label, why in found.excluded.items() if label not in hidden]
    if folded:
        fewest, most = found.tracks[folded[-1]], found.tracks[folded[0]]
        tracks = f"{fewest} to {most} tracks" if fewest != most else f"{most} track{'s' * (most != 1)}"
        named = ", ".join(clip(label, 30) for label in folded[:NAMED_IN_SUMMARY])
        more = ", …" if len(folded) > NAMED_IN_SUMMARY else ""
        lines.append(
            wrap(f"  excluded: {len(folded)} more labels of {tracks} each (needs {found.min_per_label}): {named}{more}")
        )
    return lines


def format_report(learned: LearnedModel) -> str:
    """The cross-validated figures per label, the confusions in words, and how to activate the model."""
    report = learned.report
    rows = [
        (clip(s.label), str(s.support), f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}")
        if s.measured
        else (clip(s.label), str(s.support), "-", "-", "-")  # zeros of the folds', said why below the table
        for s in report.per_label
    ]
    figures = report.accuracy_words() + ("" if any(score.measured for score in report.per_label) else " (see below)")
    not_music = (
        f", and no label for the {report.not_music_rate:.0%} the shipped model calls not music"
        if report.not_music_rate
        else ""
    )
    lines = [
        wrap(
            f"cross-validated over {report.folds} folds grouped by artist: {figures}; 'not one of my labels' for "
            f"{report.unknown_rate:.0%} of held-out tracks{not_music}"
        ),
        format_table(("label", "tracks", "precision", "recall", "F1"), rows),
        *(wrap(f"  {text}") for text in report.confusions),
        *(wrap(f"  {text}") for text in report.indistinguishable),
        *(wrap(f"  {text}") for text in report.unmeasured),
        *(wrap(f"  {text}") for text in report.not_music),
        with_path(f"saved personal model {learned.name!r} (", learned.path, f") in {report.seconds:.1f} s"),
        wrap(
            "it replaced the active model of that name, and is in use from now on"
            if learned.replaced_active
            else f"make it active with `musictagger models --use {learned.name}`"
        ),
    ]
    return "\n".join(lines)
