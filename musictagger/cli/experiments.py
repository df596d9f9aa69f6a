"""``musictagger experiments``: regenerate the experiments report (paper claims, baselines, peer).

Torch and scikit-learn are imported only when this command runs (the ``train`` extra).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from musictagger.cli.lines import with_path, wrap
from musictagger.cli.options import load_data
from musictagger.userdirs import cache_dir

EMOTIFY = Path("../shared/datasets/emotify")


NEEDS = ("torch",)
"""Modules of the 'train' extra this command imports (checked before it runs: :func:`musictagger.cli.main.main`)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "experiments",
        help="reproduce the paper's experiments with baselines and a pre-trained peer (needs the 'train' extra)",
        description="Trains the head variants on the cached backbone maps (recurrent cell and depth, feature-map "
        "combinations, code lengths), runs KSH/ITQ/LSH and the baselines, times every method, and writes "
        "OUT/experiments.md with CSV files and figures in OUT/experiments/. Results are cached; a re-run redoes "
        "only what is missing. The full plan takes up to an hour on a 2-core CPU.",
    )
    parser.add_argument(
        "data_dir", type=Path, nargs="?", default=EMOTIFY, metavar="DATA_DIR", help=f"default {EMOTIFY}"
    )
    parser.add_argument("--quick", action="store_true", help="smoke check: few tracks, one seed, two epochs")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="report folder (default reports/, or runs/experiments-quick with --quick)",
    )
    parser.add_argument(
        "--musicnn-python",
        type=Path,
        default=None,
        metavar="PATH",
        help="interpreter with tensorflow, tf_keras and musicnn for the pre-trained peer (skipped without it)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=cache_dir() / "experiments",
        help="trained runs, MFCCs, embeddings (default: experiments/ in the user cache dir)",
    )
    parser.add_argument(
        "--features-dir",
        type=Path,
        default=cache_dir() / "features",
        help="backbone map cache (default: train's, features/ in the user cache dir)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from musictagger.errors import MusictaggerError
    from musictagger.experiments.run import FULL, QUICK, run_experiments

    if args.musicnn_python is not None and not args.musicnn_python.is_file():
        raise MusictaggerError(f"{args.musicnn_python}: no such interpreter (--musicnn-python)")
    plan = QUICK if args.quick else FULL
    out = args.out or (Path("runs") / "experiments-quick" if args.quick else Path("reports"))
    path = run_experiments(
        load_data(args.data_dir),
        out=out,
        plan=plan,
        cache_dir=args.cache_dir,
        features_dir=args.features_dir,
        musicnn_python=args.musicnn_python,
        command=shlex.join(["musictagger", *sys.argv[1:]]),
        progress=lambda message: print(wrap(message), flush=True),
    )
    print(with_path("report written to ", path))
    return 0
