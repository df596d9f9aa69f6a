"""``musictagger train DATA_DIR``: train the hash-CNN-LSTM on a folder-per-genre collection.

Torch is imported only when this command runs (it is the ``train`` extra).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from musictagger.cli.lines import wrap
from musictagger.cli.options import add_front_end_option, front_end_params, load_data
from musictagger.errors import one_line
from musictagger.training.config import ModelConfig, SimilarityTrainConfig, TrainConfig
from musictagger.userdirs import cache_dir

MODEL_DEFAULTS = ModelConfig()
TRAIN_DEFAULTS = TrainConfig()
SIMILARITY_DEFAULTS = SimilarityTrainConfig()


NEEDS = ("torch",)
"""Modules of the 'train' extra this command imports (checked before it runs: :func:`musictagger.cli.main.main`)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a model on DATA_DIR/<genre>/<files> (needs the 'train' extra)",
        description="Caches the frozen backbone's feature maps, then trains the recurrent hash head with early "
        "stopping on the validation split. Split files train.txt/valid.txt/test.txt are read from DATA_DIR "
        "(or --split-dir); without them a seeded stratified split is drawn.",
    )
    parser.add_argument(
        "data_dir", type=Path, metavar="DATA_DIR", help="the collection: DATA_DIR/<genre>/<files>, a folder per genre"
    )
    parser.add_argument(
        "--split-dir",
        type=Path,
        default=None,
        help="folder with train.txt, valid.txt, test.txt (default: DATA_DIR; where it has none, a split is drawn "
        "with --seed)",
    )
    parser.add_argument("--run-dir", type=Path, default=None, help="output folder (default runs/<date-time>)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=cache_dir() / "features",
        help="feature cache (default: the user cache dir)",
    )
    parser.add_argument(
        "--backbone",
        type=Path,
        default=None,
        help="converted musicnn weights (.npz; default: models/backbone/musicnn_mtt_vgg.npz)",
    )
    parser.add_argument(
        "--bits",
        type=int,
        default=MODEL_DEFAULTS.bits,
        choices=(16, 32, 48, 64),
        help="code length (default: %(default)s)",
    )
    parser.add_argument(
        "--cell",
        default=MODEL_DEFAULTS.cell,
        choices=("lstm", "gru", "rnn"),
        help="recurrent cell (default: %(default)s)",
    )
    parser.add_argument(
        "--layers",
        type=int,
        default=MODEL_DEFAULTS.layers,
        choices=(1, 2),
        help="recurrent layers (default: %(default)s)",
    )
    parser.add_argument(
        "--channels",
        type=int,
        default=MODEL_DEFAULTS.channels_per_layer,
        help="channels kept per layer (default: %(default)s)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help=f"default {TRAIN_DEFAULTS.epochs} (paper objective, with early stopping) or "
        f"{SIMILARITY_DEFAULTS.epochs} (similarity objective, best epoch kept)",
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=TRAIN_DEFAULTS.patience,
        help="epochs without improvement before training stops (paper objective) (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-size", type=int, default=TRAIN_DEFAULTS.batch_size, help="tracks per step (default: %(default)s)"
    )
    parser.add_argument(
        "--lr", type=float, default=TRAIN_DEFAULTS.learning_rate, help="learning rate (default: %(default)s)"
    )
    parser.add_argument(
        "--train-windows",
        type=int,
        default=TRAIN_DEFAULTS.train_windows,
        help="windows per training track (default: %(default)s)",
    )
    parser.add_argument(
        "--eval-windows",
        type=int,
        default=TRAIN_DEFAULTS.eval_windows,
        help="windows per valid/test track (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=TRAIN_DEFAULTS.seed,
        help="seed of the split drawn, the weights and the crops (default: %(default)s)",
    )
    parser.add_argument(
        "--objective",
        choices=("paper", "similarity"),
        default="paper",
        help="'paper' (the default): the first model (classification + quantisation + balance, early stopping); "
        "'similarity': the second (adds contrastive views and bit decorrelation, then calibrates and fits the "
        "unknown detector)",
    )
    parser.add_argument(
        "--dev-set",
        type=Path,
        default=None,
        help="with --objective similarity: the out-of-vocabulary dev set (manifest.csv) the detector's thresholds "
        "are chosen on (never trained on)",
    )
    parser.add_argument(
        "--views",
        type=int,
        default=SIMILARITY_DEFAULTS.views,
        help="with --objective similarity: degraded random crops per training track (default: %(default)s)",
    )
    parser.add_argument(
        "--quantization-weight",
        type=float,
        default=None,
        help=f"weight of the term pulling the code to 0/1 (default {TRAIN_DEFAULTS.quantization_weight} paper, "
        f"{SIMILARITY_DEFAULTS.quantization_weight} similarity)",
    )
    parser.add_argument(
        "--contrastive-weight",
        type=float,
        default=SIMILARITY_DEFAULTS.contrastive_weight,
        help="with --objective similarity: weight of the contrastive term (default: %(default)s)",
    )
    parser.add_argument(
        "--centre-weight",
        type=float,
        default=SIMILARITY_DEFAULTS.centre_weight,
        help="with --objective similarity: weight of the term gathering each genre's learnt bits at one code "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--int8-views",
        action="store_true",
        help="with --objective similarity: also train on the int8 backbone's maps of each training track, "
        "so that the model's int8 twin (musictagger quantize) agrees with it",
    )
    parser.add_argument(
        "--valid-rooms",
        type=int,
        default=SIMILARITY_DEFAULTS.valid_rooms,
        help="with --objective similarity: room captures of each validation track (the evaluation's recipe, "
        "other draws); the share whose own track is found first joins the choice of the epoch kept (default: %(default)s)",
    )
    parser.add_argument(
        "--identity-bits",
        type=int,
        default=MODEL_DEFAULTS.identity_bits,
        help="with --objective similarity: how many of the code's bits are the closed-form identity part "
        "(the third model: 48); 0 learns every bit with the recurrent readers (the second model) (default: %(default)s)",
    )
    parser.add_argument(
        "--identity-maxima",
        action="store_true",
        help="with --identity-bits: the identity part reads each channel's maximum over the grid beside its "
        "mean (tried for a fifth model, not shipped)",
    )
    add_front_end_option(parser)
    parser.set_defaults(run=run)


def _or(given: Any, default: Any) -> Any:
    """An option's value, or the objective's default when it was not given (0 is a value)."""
    return default if given is None else given


def run(args: argparse.Namespace) -> int:
    if args.objective == "similarity":
        return run_similarity(args)
    collection = load_data(args.data_dir, split_dir=args.split_dir, seed=args.seed)  # said before torch's import
    params = front_end_params(args.param)
    from musictagger.training.backbone import DEFAULT_BACKBONE
    from musictagger.training.config import ModelConfig, TrainConfig
    from musictagger.training.run import run_training

    run_dir = args.run_dir or Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    result = run_training(
        collection,
        run_dir=run_dir,
        cache_dir=args.cache_dir,
        backbone_path=args.backbone or DEFAULT_BACKBONE,
        params=params,
        model_config=ModelConfig(bits=args.bits, cell=args.cell, layers=args.layers, channels_per_layer=args.channels),
        train_config=TrainConfig(
            epochs=_or(args.epochs, TRAIN_DEFAULTS.epochs),
            quantization_weight=_or(args.quantization_weight, TRAIN_DEFAULTS.quantization_weight),
            patience=args.patience,
            batch_size=args.batch_size,
            learning_rate=args.lr,
            train_windows=args.train_windows,
            eval_windows=args.eval_windows,
            seed=args.seed,
        ),
    )
    print(f"best epoch {result.best_epoch}: valid accuracy {result.valid.accuracy:.3f}")
    print(_written_line(run_dir))
    return 0


def run_similarity(args: argparse.Namespace) -> int:
    """The second and third models: similarity-preserving codes, calibration and the unknown detector."""
    if args.dev_set is None:
        print(
            wrap("error: --objective similarity needs --dev-set DIR (the thresholds are chosen on it)"), file=sys.stderr
        )
        return 2
    collection = load_data(args.data_dir, split_dir=args.split_dir, seed=args.seed)  # said before torch's import
    params = front_end_params(args.param)
    from musictagger.training.backbone import DEFAULT_BACKBONE
    from musictagger.training.similarity_run import run_similarity_training

    run_dir = args.run_dir or Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    summary = run_similarity_training(
        collection,
        dev_dir=args.dev_set,
        run_dir=run_dir,
        cache_dir=args.cache_dir,
        backbone_path=args.backbone or DEFAULT_BACKBONE,
        params=params,
        model_config=ModelConfig(
            bits=args.bits,
            cell=args.cell,
            layers=args.layers,
            channels_per_layer=args.channels,
            identity_bits=args.identity_bits,
            identity_maxima=args.identity_maxima,
        ),
        config=SimilarityTrainConfig(
            epochs=_or(args.epochs, SIMILARITY_DEFAULTS.epochs),
            quantization_weight=_or(args.quantization_weight, SIMILARITY_DEFAULTS.quantization_weight),
            contrastive_weight=args.contrastive_weight,
            centre_weight=args.centre_weight,
            learning_rate=args.lr,
            train_windows=args.train_windows,
            eval_windows=args.eval_windows,
            views=args.views,
            int8_views=args.int8_views,
            valid_rooms=args.valid_rooms,
            seed=args.seed,
        ),
    )
    print(
        wrap(
            f"best epoch {summary['best_epoch']}: valid accuracy {summary['valid_accuracy']:.3f}, "
            f"first→last window retrieval {summary['valid_window_retrieval']:.3f}"
            + (
                f", room captures found first {summary['valid_room_first']:.3f}"
                if "valid_room_first" in summary
                else ""
            )
        )
    )
    print(_written_line(run_dir))
    return 0


def _written_line(run_dir: Path) -> str:
    """Where a training run was written, and the export command that turns it into models/NAME.onnx (export
    needs the name: without it the command is a usage error)."""
    shown = one_line(str(run_dir))
    return wrap(
        f"run written to {shown}; export it as models/NAME.onnx with: musictagger export {shown} --name NAME", [shown]
    )
