"""``musictagger evaluate DATA_DIR``: accuracy, macro-F1, MAP and P@10 of the exported model on a split."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from musictagger.collection import load_collection
from musictagger.evaluation.evaluate import evaluate, headline, write_reports
from musictagger.model.manifest import sidecar_path
from musictagger.model.runtime import GenreModel, default_model_path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score the exported model on a split of DATA_DIR and write reports/",
        description="Queries are the tracks of --split; the retrieval database is the train split.",
    )
    parser.add_argument("data_dir", type=Path, metavar="DATA_DIR")
    parser.add_argument("--split", default="test", choices=("train", "valid", "test"))
    parser.add_argument("--split-dir", type=Path, default=None, help="folder with train.txt, valid.txt, test.txt")
    parser.add_argument("--model", type=Path, default=None, help="ONNX model (default: the shipped one)")
    parser.add_argument("--windows", type=int, default=None, help="windows per track (default: the model's)")
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="output folder (default reports/)")
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples for the 95%% intervals")
    parser.add_argument("--record", action="store_true", help="also store the headline figures in the model's sidecar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model = GenreModel(args.model or default_model_path())
    collection = load_collection(args.data_dir, split_dir=args.split_dir)
    result = evaluate(model, collection, split=args.split, n_windows=args.windows, n_resamples=args.bootstrap)
    for path in write_reports(result, args.reports):
        print(f"wrote {path}")
    print(f"accuracy {result['accuracy']}  macro-F1 {result['macro_f1']}  MAP {result['map']}")
    if args.record:
        manifest = model.manifest
        metrics = {**manifest.metrics, args.split: headline(result)}
        dataclasses.replace(manifest, metrics=metrics).save(sidecar_path(model.path))
        print(f"recorded the {args.split} figures in {sidecar_path(model.path)}")
    return 0
