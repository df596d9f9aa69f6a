"""``musictagger export RUN_DIR``: write ``models/<name>.onnx`` and its JSON sidecar."""

from __future__ import annotations

import argparse
from pathlib import Path

from musictagger.cli.lines import with_path, wrap

NEEDS = ("torch", "onnx")
"""Modules of the 'train' extra this command imports (checked before it runs: :func:`musictagger.cli.main.main`)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="export a training run to ONNX + sidecar (needs the 'train' extra)")
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="the training run's folder, as train wrote it")
    parser.add_argument(
        "--name",
        required=True,
        help="model name, the file stem (the shipped ones: hash-cnn-lstm-emotify-v3, the default, and -v4, the fast one)",
    )
    parser.add_argument("--out", type=Path, default=Path("models"), help="output folder (default models/)")
    parser.add_argument(
        "--backbone",
        type=Path,
        default=None,
        help="converted musicnn weights (.npz); default: the one the run was trained with, from models/backbone/",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from musictagger.training.export import export_run
    from musictagger.training.run import RunPaths

    manifest, parity = export_run(
        RunPaths(args.run_dir).bundle, backbone_path=args.backbone, out_dir=args.out, name=args.name
    )
    print(with_path("wrote ", args.out / manifest.onnx_file, f" and its sidecar ({manifest.model_id})"))
    print(
        wrap(
            f"parity torch/onnxruntime: probabilities {parity.max_abs_probabilities:.2e}, "
            f"code {parity.max_abs_code:.2e}, bits equal: {parity.bits_equal}"
        )
    )
    return 0
