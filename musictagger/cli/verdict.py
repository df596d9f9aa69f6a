"""``musictagger verdict MODEL DATA --dev-set DEV``: choose an exported model's unknown-detector thresholds again.

The choice training makes (:func:`musictagger.training.calibration.choose_policy`), made on the
model's own outputs (:mod:`musictagger.training.verdict_choice`) for each ``--min-valid-kept`` floor
given: one row per floor, what the policy chosen under it does on the validation split, the dev set
and generated non-music, and what policies chosen on one half of the dev set do on the other half
(the dev set's own figures are not held out: the thresholds are chosen on it).  ``--write`` puts the
policy of the (single) floor into the sidecars of MODEL and of its int8 twin; record their metrics
again afterwards with ``musictagger evaluate --record``, and the twin's agreement with
``musictagger quantize --remeasure`` (the app does not run a twin unasked on an agreement measured
under another policy).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from musictagger.cli.lines import with_path, wrap
from musictagger.cli.options import add_data_argument, add_dev_set_argument, load_data, refuse_unwritable_sidecars
from musictagger.cli.quantize import REMEASURE_HINT
from musictagger.model.precision import int8_twin
from musictagger.training.calibration import MIN_VALID_KEPT


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verdict",
        help="choose MODEL's unknown-detector thresholds again on DATA's validation split, a dev set and "
        "generated non-music (from the model's own outputs)",
    )
    parser.add_argument("model", type=Path, metavar="MODEL", help="the float32 .onnx model")
    add_data_argument(parser)
    add_dev_set_argument(parser)
    parser.add_argument(
        "--min-valid-kept",
        type=float,
        nargs="+",
        default=[MIN_VALID_KEPT],
        help=f"share of the validation split that must keep a genre (default {MIN_VALID_KEPT}); several "
        "values print one row each",
    )
    parser.add_argument("--write", action="store_true", help="write the chosen policy into the sidecars (one floor)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from musictagger.errors import ParameterError
    from musictagger.evaluation.devset import load_dev_set
    from musictagger.evaluation.nonmusic import CHOICE_RATE, CHOICE_SEED, seed_and_rate
    from musictagger.model.runtime import GenreModel
    from musictagger.training.verdict_choice import (
        choice_sounds,
        choose_again,
        dev_folds,
        held_out_dev,
        model_evidence,
        write_policy,
    )

    if args.write and len(args.min_valid_kept) != 1:
        raise ParameterError("--write takes exactly one --min-valid-kept floor")
    if args.write:
        refuse_unwritable_sidecars([args.model, *filter(None, [int8_twin(args.model)])], "--write")
    model = GenreModel(args.model)
    collection = load_data(args.data)
    dev_clips = load_dev_set(args.dev_set)
    sounds = choice_sounds()
    items = len(collection.tracks("valid")) + len(dev_clips) + len(sounds)
    with tqdm(total=items, desc="analysing", unit="item") as bar:
        evidence = model_evidence(model, collection, dev_clips, sounds, on_item=bar.update)
    folds = dev_folds(dev_clips)
    print(
        "| floor | feasible policies | valid: keep a genre / right | dev, in vocabulary: keep / right "
        "| dev, out of vocabulary: refused | non-music refused | dev held out (two-fold): out of vocabulary "
        "refused / in vocabulary keep |"
    )
    print("|---:|---:|---|---|---:|---:|---|")
    choices = []
    for floor in args.min_valid_kept:
        chosen_on = (
            f"temperature on {collection.root.name} valid; thresholds on {collection.root.name} valid (at least "
            f"{floor:.0%} keep a genre), the dev set {args.dev_set.name} and generated non-music "
            f"({seed_and_rate(CHOICE_SEED, CHOICE_RATE)}), from the exported model's own outputs (musictagger verdict)"
        )
        choice = choose_again(model, evidence, min_valid_kept=floor, chosen_on=chosen_on)
        valid, dev, noise = (choice.outcomes[name] for name in ("valid", "dev", "non-music"))
        held = held_out_dev(model, evidence, folds, min_valid_kept=floor)
        in_vocabulary = dev.tracks - dev.should_refuse
        print(
            f"| {floor:g} | {choice.feasible} | {valid.kept}/{valid.tracks} / {valid.correct} | "
            f"{dev.kept}/{in_vocabulary} / {dev.correct} | {dev.refused_correctly}/{dev.should_refuse} | "
            f"{noise.refused}/{noise.tracks} | {held.refused_correctly}/{held.should_refuse} / "
            f"{held.kept}/{held.tracks - held.should_refuse} |"
        )
        choices.append(choice)
    if args.write:
        for sidecar in write_policy(args.model, choices[0].policy):
            print(with_path("wrote the verdict policy into ", sidecar))
        print(wrap("record the metrics again: musictagger evaluate DATA --dev-set DEV --model MODEL --record"))
        if int8_twin(args.model) is not None:
            print(wrap(REMEASURE_HINT))
    return 0
