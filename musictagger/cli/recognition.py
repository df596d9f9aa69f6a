"""``musictagger recognition MODEL DATA --dev-set DEV``: choose when live listening names a library track as playing.

Every track of DATA is analysed as the library holds it, and each validation and test track's first window is
heard through the evaluation's room (and its window from 30 s is taken as it is), as ``evaluate`` does
(:mod:`musictagger.evaluation.recognition`).  How near a first match must be to be named, and how much nearer than
the nearest other music, are chosen on the validation split alone, so that at most ``--false-claims`` of its tracks,
searched for in a library without them, are named; the test split, the dev set and generated non-music are held
out.  ``--write`` puts the choice and its figures into MODEL's sidecar (its ``recognition`` section); a model's
codes do not change, so a library indexed with it stays as it is.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from musictagger.cli.failures import kept_from_sidecar, say_failures
from musictagger.cli.lines import with_path
from musictagger.cli.options import add_data_argument, add_dev_set_argument, load_data, refuse_unwritable_sidecars
from musictagger.evaluation.recognition import FALSE_CLAIMS, QUERY_KINDS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "recognition",
        help="choose how near a heard sound must come to a library track, and how much nearer than to other music, "
        "for live listening to name it as playing "
        "(on DATA's validation split; test, a dev set and generated non-music held out)",
        description="Analyses every track of DATA as the library holds it (each validation and test track's first "
        "window also as heard through the evaluation's room, and its window from 30 s), the dev set's clips and "
        "generated non-music; chooses on the validation split when live listening names its first match as playing, "
        "so that at most --false-claims of the validation tracks, searched for in a library without them, are named; "
        "and prints what the choice names on the validation and test splits. 3-36 min for Emotify on a 2-core CPU, by "
        "the model and the machine's load. "
        "A track that cannot be analysed is named and left out, and the status is 1.",
    )
    parser.add_argument("model", type=Path, metavar="MODEL", help="the .onnx model")
    add_data_argument(parser)
    add_dev_set_argument(parser)
    parser.add_argument(
        "--false-claims",
        type=float,
        default=FALSE_CLAIMS,
        metavar="SHARE",
        help=f"share of the validation tracks, searched for in a library without them, that may be named "
        f"(default {FALSE_CLAIMS})",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="write the choice into MODEL's sidecar (not when an input could not be analysed)",
    )
    parser.set_defaults(run=run)


def _count(figure: dict[str, int]) -> str:
    """A tally (:func:`musictagger.evaluation.metrics.tally`) as ``count/total``."""
    return f"{figure['count']}/{figure['total']}"


def run(args: argparse.Namespace) -> int:
    from musictagger.errors import MusictaggerError, ParameterError
    from musictagger.evaluation import recognition
    from musictagger.evaluation.devset import load_dev_set
    from musictagger.evaluation.evaluate import Protocol, analyse_all
    from musictagger.evaluation.nonmusic import seed_and_rate
    from musictagger.model.manifest import sidecar_path
    from musictagger.model.runtime import GenreModel

    if not 0.0 < args.false_claims < 1.0:
        raise ParameterError(f"--false-claims is a share between 0 and 1, got {args.false_claims}")
    if args.write:
        refuse_unwritable_sidecars([args.model], "--write")
    model = GenreModel(args.model)
    collection = load_data(args.data)
    if not collection.tracks("valid"):  # said before every track is analysed, not after
        raise MusictaggerError(
            f"no recognition distance to choose: the valid split of {collection.root} holds no track "
            f"({collection.split_source}), and the distance is chosen on it"
        )
    protocol = Protocol()
    outcomes = analyse_all(model, collection, dev_clips=load_dev_set(args.dev_set), n_windows=None, protocol=protocol)
    say_failures(model.path.stem, outcomes.failures, set())  # left out of every figure: named, and the status 1
    if len(outcomes.tracks) < 2:  # the search without a track's own file found nothing: an IndexError's traceback
        raise MusictaggerError(
            f"no recognition distance to choose: {len(outcomes.tracks)} of the {len(collection.all_tracks())} tracks of "
            f"{collection.root} could be analysed, "
            "and each track of the valid split is searched for among the others (a song the library does not "
            "hold): at least 2 are needed"
        )
    match_bits = model.manifest.match_bits
    per_split = {
        split: recognition.split_queries(
            outcomes.tracks,
            {t.relative for t in collection.tracks(split)},
            [outcome for _, outcome in outcomes.dev_set],
            [outcome for _, outcome in outcomes.non_music],
            match_bits=match_bits,
        )
        for split in ("valid", "test")
    }
    chosen = recognition.choose_policy(per_split["valid"].songs_absent(), args.false_claims)
    sounds = seed_and_rate(protocol.non_music_seed, protocol.non_music_rate)  # the rate decides some noises' verdicts
    figures = {split: recognition.figures(queries, chosen) for split, queries in per_split.items()}
    print(
        f"named as playing: a first match nearer than {chosen.within:.4f} and than {chosen.margin:.4f} times the "
        f"nearest other music (relaxed distances over {match_bits} bits)"
    )
    print(
        "| split | room captures named / their own track | later windows named / own | not in the library: "
        f"room captures named | later windows named | dev-set clips named | non-music ({sounds}) named |"
    )
    print("|---|---|---|---:|---:|---:|---:|")
    for split, figure in figures.items():
        present, absent = figure["present"], figure["absent"]
        print(
            f"| {split} | "
            + " | ".join(f"{_count(present[k]['named'])} / {_count(present[k]['named_right'])}" for k in QUERY_KINDS)
            + " | "
            + " | ".join(_count(absent[k]) for k in (*QUERY_KINDS, "dev_set", "non_music"))
            + " |"
        )
    if args.write and not kept_from_sidecar(model.path.stem, outcomes.failures, sidecar_path(args.model)):
        policy = replace(
            chosen,
            chosen_on=f"{collection.root.name} valid: at most {args.false_claims:.1%} of its tracks' room captures "
            "and later windows, searched for among the other tracks, named (musictagger recognition)",
            figures={
                **figures,
                "dev_set_name": args.dev_set.name,
                "room_seed": protocol.room_seed,
                "non_music": sounds,
            },
        )
        sidecar = recognition.write_policy(args.model, policy, measured_sha256=model.manifest.onnx_sha256)
        print(with_path("wrote the recognition policy into ", sidecar))
    return 1 if outcomes.failures else 0
