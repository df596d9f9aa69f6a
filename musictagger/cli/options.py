"""Command-line options shared by several sub-commands."""

from __future__ import annotations

import argparse
import dataclasses

from musictagger.audio.params import FeatureParams
from musictagger.errors import ParameterError


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
