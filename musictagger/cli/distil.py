"""``musictagger distil DATA``: make a narrower FCN-5 backbone from the pre-trained one.

Needs the 'train' extra.  The pruned-then-distilled backbone (:mod:`musictagger.training.distil`)
hears DATA's training split only (clean and degraded renders, no labels); its validation split's
clean windows choose the epoch.  ``musictagger train DATA --backbone OUT`` then trains the heads on it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from musictagger.cli.lines import with_path
from musictagger.cli.options import add_data_argument, add_front_end_option, front_end_params, load_data
from musictagger.training.config import DistilConfig, config_to_dict

DEFAULTS = DistilConfig()


NEEDS = ("torch",)
"""Modules of the 'train' extra this command imports (checked before it runs: :func:`musictagger.cli.main.main`)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "distil",
        help="distil a narrower backbone from the pre-trained one on DATA's training audio (needs the 'train' extra)",
    )
    add_data_argument(parser)
    parser.add_argument("--out", type=Path, required=True, help="the backbone file to write (.npz)")
    parser.add_argument("--teacher", type=Path, default=None, help="the backbone to distil (default: MTT_vgg)")
    parser.add_argument(
        "--channels", type=int, default=DEFAULTS.channels, help="channels per block (default: %(default)s)"
    )
    parser.add_argument(
        "--views", type=int, default=DEFAULTS.views, help="degraded renders per training track (default: %(default)s)"
    )
    parser.add_argument("--epochs", type=int, default=DEFAULTS.epochs, help="epochs (default: %(default)s)")
    parser.add_argument(
        "--steps", type=int, default=DEFAULTS.steps_per_epoch, help="steps per epoch (default: %(default)s)"
    )
    parser.add_argument(
        "--batch-size", type=int, default=DEFAULTS.batch_size, help="crops per step (default: %(default)s)"
    )
    parser.add_argument("--lr", type=float, default=DEFAULTS.learning_rate, help="learning rate (default: %(default)s)")
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULTS.seed,
        help="seed of the renders, the crops and the weights (default: %(default)s)",
    )
    add_front_end_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    collection = load_data(args.data)  # said before torch's import (seconds)
    params = front_end_params(args.param)
    from tqdm import tqdm

    from musictagger import atomic_write
    from musictagger.training.backbone import DEFAULT_BACKBONE
    from musictagger.training.distil import distil, render_windows

    config = DistilConfig(
        channels=args.channels,
        views=args.views,
        steps_per_epoch=args.steps,
        batch_size=args.batch_size,
        epochs=args.epochs,
        learning_rate=args.lr,
        seed=args.seed,
    )
    relative = {track.path: track.relative for split in ("train", "valid") for track in collection.tracks(split)}
    rendered = {}
    for split, views in (("train", config.views), ("valid", 0)):
        paths = [track.path for track in collection.tracks(split)]
        with tqdm(total=len(paths), desc=f"rendering {split}", unit="track") as bar:
            rendered[split] = render_windows(paths, params=params, views=views, seed=config.seed, on_track=bar.update)
        for path, reason in rendered[split].failures:
            tqdm.write(f"skipped {path}: {reason}")
    teacher = args.teacher or DEFAULT_BACKBONE
    result = distil(teacher, rendered["train"].windows, rendered["valid"].windows, config, args.out, log=tqdm.write)
    heard = len(collection.tracks("train")) - len(rendered["train"].failures)
    provenance = {
        "teacher": teacher.name,
        "config": config_to_dict(config),
        "heard": f"{args.data.name} training split ({heard} tracks, no labels)",
        "skipped_files": {relative[path]: reason for split in rendered.values() for path, reason in split.failures},
        **result,
    }
    atomic_write.write_text(args.out.with_suffix(".json"), json.dumps(provenance, indent=2) + "\n")
    print(
        with_path("wrote ", args.out, f" (epoch {result['epoch']:.0f} of {config.epochs}, {result['seconds']:.0f} s)")
    )
    return 0
