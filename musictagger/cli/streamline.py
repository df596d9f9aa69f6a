"""``musictagger streamline MODEL…``: rewrite models written before a graph rewrite existed.

Needs the 'train' extra.  Each MODEL (and the int8 twin beside it) gets the graph rewrites
``musictagger export`` now applies (:mod:`musictagger.training.graph_rewrites`), checked against
its old graph; a model already streamlined is left as it is.  A rewritten model keeps its id (the
function is the same), so libraries are not analysed again and the twin's agreement record holds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from musictagger.cli.lines import with_path, wrap
from musictagger.cli.quantize import REMEASURE_HINT
from musictagger.model.precision import int8_twin, measured_pair

NEEDS = ("onnx",)
"""Modules of the 'train' extra this command imports (checked before it runs: :func:`musictagger.cli.main.main`)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "streamline", help="apply export's graph rewrites to models written before them (needs the 'train' extra)"
    )
    parser.add_argument("models", type=Path, nargs="+", metavar="MODEL", help="float32 .onnx models")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from musictagger.training.export import streamline_model

    for model in args.models:
        twin = int8_twin(model)
        ids = measured_pair(twin) if twin is not None else None
        rewrites = streamline_model(model)
        made = ", ".join(f"{name} ×{count}" for name, count in rewrites.items() if count)
        print(with_path("", model, f": {made or 'already streamlined'}"))
        if twin is not None and measured_pair(twin) != ids:
            print(wrap(REMEASURE_HINT))
    return 0
