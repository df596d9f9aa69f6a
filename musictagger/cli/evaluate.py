"""``musictagger evaluate DATA_DIR``: the exported model's genres, calibration, unknown detector and codes.

With several ``--model`` options each model is evaluated in turn and ``comparison.md`` puts
them side by side (see :mod:`musictagger.evaluation.compare`).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from musictagger.cli.failures import kept_from_sidecar, say_failures
from musictagger.cli.lines import with_path
from musictagger.cli.options import (
    load_data,
    make_reports_folder,
    non_negative_int,
    positive_int,
    probability,
    refuse_unwritable_sidecars,
)
from musictagger.errors import MusictaggerError
from musictagger.evaluation.outcomes import Failure
from musictagger.model.manifest import sidecar_path
from musictagger.model.runtime import GenreModel, default_model_path
from musictagger.tagging.plan import DEFAULT_MIN_CONFIDENCE

NEEDS = ("matplotlib",)
"""Modules of the 'train' extra this command imports (checked before it runs: :func:`musictagger.cli.main.main`)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score the exported model(s) on DATA_DIR (and a dev set) and write reports/ (needs the 'train' extra)",
        description="Genre figures on --split (retrieval database: the train split), calibration, the unknown "
        "detector (on --split, --dev-set and generated non-music), distinct codes over all tracks, and same-track "
        "retrieval of the tracks outside the train split. Give --model twice or more to compare models.",
    )
    parser.add_argument(
        "data_dir", type=Path, metavar="DATA_DIR", help="the collection: DATA_DIR/<genre>/<files> (as train reads it)"
    )
    parser.add_argument(
        "--split",
        default="test",
        choices=("train", "valid", "test"),
        help="the split the genres are scored on (default: %(default)s); the train split is the retrieval database",
    )
    parser.add_argument(
        "--split-dir",
        type=Path,
        default=None,
        help="folder with train.txt, valid.txt, test.txt (default: DATA_DIR; where it has none, a seeded "
        "stratified split is drawn)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        action="append",
        default=None,
        help="ONNX model (default: the shipped one); repeat to compare models, the first being the reference",
    )
    parser.add_argument(
        "--dev-set",
        type=Path,
        default=None,
        help="out-of-vocabulary dev set (folder with manifest.csv; default: none, the detector is measured on "
        "--split and generated non-music)",
    )
    parser.add_argument("--windows", type=positive_int, default=None, help="windows per track (default: the model's)")
    parser.add_argument(
        "--non-music-per-kind",
        type=non_negative_int,
        default=2,
        help="generated non-music sounds of each kind (default: %(default)s)",
    )
    parser.add_argument(
        "--tag-threshold",
        type=probability,
        default=DEFAULT_MIN_CONFIDENCE,
        metavar="P",
        help=f"count what `tag` would write at this threshold (default: its own, {DEFAULT_MIN_CONFIDENCE:g})",
    )
    parser.add_argument(
        "--reports",
        type=Path,
        default=Path("reports"),
        help="output folder (default reports/): per model evaluation-MODEL-SPLIT.json (every figure, and each "
        "query track's prediction and confidence), the same as .md, its confusion matrix and reliability diagram; "
        "with two or more models, comparison.json and comparison.md",
    )
    parser.add_argument(
        "--bootstrap",
        type=positive_int,
        default=2000,
        help="bootstrap resamples for the 95%% intervals (default: %(default)s)",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="also store the headline figures in each model's sidecar (not when an input could not be analysed)",
    )
    parser.set_defaults(run=run)


def _record(model: GenreModel, result: dict[str, Any]) -> None:
    """Merge the result's headline figures into the model's sidecar ``metrics``, group by group; none, saying why,
    when an input could not be analysed (:func:`~musictagger.cli.failures.kept_from_sidecar`)."""
    from musictagger.evaluation.report import headline

    sidecar = sidecar_path(model.path)
    if kept_from_sidecar(result["model_name"], _failures(result), sidecar):
        return
    groups = headline(result)
    manifest = model.manifest
    dataclasses.replace(manifest, metrics={**manifest.metrics, **groups}).save(sidecar)
    print(with_path(f"recorded the {', '.join(groups)} figures in ", sidecar))


def _failures(result: dict[str, Any]) -> list[Failure]:
    """The inputs ``result`` left out because they could not be analysed."""
    return [Failure(failure["file"], failure["reason"]) for failure in result["failures"]]


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the evaluation brings scipy.stats (about a second), which every
    # other command (a one-off `similar` above all) would otherwise pay for at start-up.
    from musictagger.evaluation.compare import compare, write_comparison
    from musictagger.evaluation.devset import load_dev_set
    from musictagger.evaluation.evaluate import Protocol, evaluate, write_reports
    from musictagger.evaluation.report import fmt

    paths = args.model or [default_model_path()]
    names = [path.stem for path in paths]
    if len(set(names)) != len(names):
        raise MusictaggerError(
            f"reports are named after the model files: give models with different names, not {names}"
        )
    if args.record:
        refuse_unwritable_sidecars(paths, "--record")
    collection = load_data(args.data_dir, split_dir=args.split_dir)
    make_reports_folder(args.reports)
    dev_clips = load_dev_set(args.dev_set) if args.dev_set else ()
    protocol = Protocol(non_music_per_kind=args.non_music_per_kind, tag_threshold=args.tag_threshold)
    results = []
    said: set[str] = set()  # a file that fails under each model is named once
    for path in paths:
        model = GenreModel(path)
        result = evaluate(
            model,
            collection,
            split=args.split,
            dev_clips=dev_clips,
            dev_set_name=args.dev_set.name if args.dev_set else "",
            n_windows=args.windows,
            n_resamples=args.bootstrap,
            protocol=protocol,
        )
        for written in write_reports(result, args.reports):
            print(with_path("wrote ", written))
        print(f"{result['model_name']}: accuracy {fmt(result['accuracy'])}  MAP {fmt(result['map'])}")
        say_failures(result["model_name"], _failures(result), said)
        if args.record:
            _record(model, result)
        results.append(result)
    if len(results) > 1:
        for written in write_comparison(compare(results), args.reports):
            print(with_path("wrote ", written))
    return 1 if any(result["failures"] for result in results) else 0
