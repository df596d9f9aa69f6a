"""Command-line options shared by several sub-commands."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterable
from pathlib import Path

from musictagger.audio.params import FeatureParams
from musictagger.cli.lines import wrap
from musictagger.collection import Collection, load_collection
from musictagger.disk import disk_trouble
from musictagger.errors import FileError, ParameterError
from musictagger.model.manifest import sidecar_path


def _whole_number(text: str, *, least: int) -> int:
    """``text`` as a whole number of at least ``least``, else argparse's usage error (exit status 2) saying so."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (windows, matches, genres listed)."""
    return _whole_number(text, least=1)


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number of at least 0 (how many of a kind, where none is a choice)."""
    return _whole_number(text, least=0)


def positive_seconds(text: str) -> float:
    """An argparse type: a length of time above 0 s (listen's step and length; 0 divided by zero, a negative one
    printed lines as fast as it could)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0.0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {value:g}")
    return value


def probability(text: str) -> float:
    """An argparse type: a number from 0 to 1 (a confidence threshold)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value:g}")
    return value


def make_reports_folder(path: Path) -> None:
    """Make ``--reports``' folder (``evaluate``'s, ``quantize``'s) before any track is analysed: one that cannot be
    made (a file of that name, a read-only disk) was met only once every track had been, with a traceback."""
    if path.exists() and not path.is_dir():
        raise FileError(path, "is a file, not a folder for the reports (--reports)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FileError(path, f"the reports' folder cannot be made ({error.strerror or error})") from None


def refuse_unwritable_sidecars(models: Iterable[Path], option: str) -> None:
    """Refuse ``option`` (``--write``, ``--record``) before any analysis when a model's sidecar cannot be written (its
    folder read-only or on a read-only mount, its disk full: :func:`~musictagger.disk.disk_trouble`): ``recognition
    --write`` met it once every track had been analysed (10-35 min on Emotify), in OSError's traceback."""
    for model in models:
        sidecar = sidecar_path(model)
        if trouble := disk_trouble(sidecar.parent):
            raise FileError(sidecar, f"{option} cannot write into it: {trouble}")


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    """``DATA``: the labelled collection a model-building command reads (``distil``, ``quantize``, ``verdict``,
    ``recognition``)."""
    parser.add_argument(
        "data",
        type=Path,
        metavar="DATA",
        help="the collection: DATA/<genre>/<files>, split by its train.txt, valid.txt and test.txt (Emotify's); "
        "without them a seeded split is drawn",
    )


def load_data(path: Path, *, split_dir: Path | None = None, seed: int = 0, by_split: bool = True) -> Collection:
    """The collection ``path`` (:func:`~musictagger.collection.load_collection`), its notes said first on stderr
    (:meth:`~musictagger.collection.Collection.notes`: a split drawn at random, unless ``by_split`` is false, folders
    without audio), as every command reading one says them: only ``evaluate`` did, so ``train``, ``verdict``,
    ``distil``, ``recognition``, ``experiments``, ``verify_backbone`` and ``compare_backbones`` measured or chose on a
    drawn split, or left a genre out, without a word."""
    collection = load_collection(path, split_dir=split_dir, seed=seed)
    for note in collection.notes(by_split=by_split):
        print(wrap(note, [str(collection.root)]), file=sys.stderr)
    return collection


def add_dev_set_argument(parser: argparse.ArgumentParser) -> None:
    """``--dev-set DEV``: the out-of-vocabulary clips a command choosing thresholds needs (``verdict``,
    ``recognition``)."""
    parser.add_argument(
        "--dev-set",
        type=Path,
        required=True,
        metavar="DEV",
        help="the out-of-vocabulary dev set: a folder with manifest.csv (GTZAN dev)",
    )


def add_files_from_option(parser: argparse.ArgumentParser) -> None:
    """``--files-from LIST``: the files (or folders) to work on, listed in a file or on standard input
    (:func:`musictagger.cli.paths.listed_files`), besides those named."""
    parser.add_argument(
        "--files-from",
        type=Path,
        metavar="LIST",
        default=None,
        help="also the files or folders listed in LIST, one a line or NUL-separated (find -print0); "
        "'-' reads the list from standard input (default: only those named)",
    )


def add_front_end_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a front-end parameter (repeatable), e.g. --param noise_reduction=0.5",
    )


def front_end_params(overrides: list[str]) -> FeatureParams:
    """FeatureParams with ``NAME=VALUE`` overrides, each converted to the field's type."""
    types = {f.name: f.type for f in dataclasses.fields(FeatureParams)}
    values: dict[str, object] = {}
    for item in overrides:
        name, sep, raw = item.partition("=")
        if not sep or name not in types:
            raise ParameterError(f"--param {item!r}: expected NAME=VALUE with NAME one of {', '.join(types)}")
        values[name] = int(raw) if types[name] == "int" else float(raw)
    return FeatureParams(**values)
