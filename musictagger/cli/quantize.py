"""``musictagger quantize MODEL DATA``: write the int8 twin of a shipped model and measure how it agrees.

Needs the 'train' extra.  The twin is calibrated on DATA's training split; its agreement
with the float32 model is then measured on every track of DATA (and ``--dev-set``), written
to ``reports/int8-agreement-<MODEL's name>.{md,json}`` and into the twin's sidecar with the two
models' ids.  The app counts the record only while those ids are the models' (a new verdict
policy, deferral or graph changes them): ``--remeasure`` measures the twin already there again.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from musictagger.cli.lines import with_path
from musictagger.cli.options import add_data_argument, load_data, make_reports_folder

# What `verdict --write` and `streamline` say when they change a model that has a twin: its recorded
# agreement no longer names the models (precision.recorded_agreement), so the app keeps float32.
REMEASURE_HINT = (
    "measure the int8 twin's agreement again (until then the app runs MODEL in float32 unless asked): "
    "musictagger quantize MODEL DATA --dev-set DEV --remeasure"
)


NEEDS = ("onnx",)
"""Modules of the 'train' extra this command imports (checked before it runs: :func:`musictagger.cli.main.main`)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "quantize",
        help="write MODEL's int8 twin (<name>-int8.onnx), calibrated on DATA's training split (needs the 'train' extra)",
    )
    parser.add_argument("model", type=Path, metavar="MODEL", help="the float32 .onnx model")
    add_data_argument(parser)
    parser.add_argument("--dev-set", type=Path, default=None, help="also measure agreement on this dev set (GTZAN dev)")
    parser.add_argument(
        "--tracks",
        type=int,
        default=None,
        help="calibration tracks drawn from train.txt (default: as many as train --int8-views draws, 64)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the calibration tracks and windows drawn (default: %(default)s)",
    )
    parser.add_argument(
        "--reports", type=Path, default=Path("reports"), help="where the agreement report goes (default: reports/)"
    )
    parser.add_argument(
        "--remeasure",
        action="store_true",
        help="measure the agreement of the twin already beside MODEL again (after its verdict policy, deferral "
        "or graph changed), without quantising it again",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    make_reports_folder(args.reports)
    collection = load_data(args.data)  # its notes said before the training extra's imports
    from tqdm import tqdm

    from musictagger import atomic_write
    from musictagger.errors import ModelError
    from musictagger.evaluation.agreement import agreement
    from musictagger.evaluation.devset import load_dev_set
    from musictagger.model.manifest import load_manifest, sidecar_path
    from musictagger.model.precision import int8_twin, measured_pair
    from musictagger.model.runtime import GenreModel
    from musictagger.training.quantize import calibration_tracks, quantize_model

    if args.remeasure:
        if not args.model.is_file():
            raise ModelError(f"{args.model}: no such model file")
        out = int8_twin(args.model)
        if out is None:
            raise ModelError(f"{args.model}: there is no int8 twin beside it to measure (run without --remeasure)")
    else:
        train = [track.path for track in collection.tracks("train")]
        out = quantize_model(args.model, calibration_tracks(train, count=args.tracks, seed=args.seed), seed=args.seed)
        print(with_path("wrote ", out, " and its sidecar"))

    sets = {args.data.name: [track.path for track in collection.all_tracks()]}
    if args.dev_set:
        sets["dev-set"] = [clip.path for clip in load_dev_set(args.dev_set)]
    reference, int8 = GenreModel(args.model), GenreModel(out)
    results = {}
    for name, tracks in sets.items():
        with tqdm(total=len(tracks), desc=f"agreement on {name}", unit="track") as bar:
            results[name] = agreement(reference, int8, tracks, on_track=lambda _: bar.update()).to_dict()
    manifest = load_manifest(out)
    precision = {**manifest.model["precision"], "agreement": results, "agreement_measured_with": measured_pair(out)}
    dataclasses.replace(manifest, model={**manifest.model, "precision": precision}).save(sidecar_path(out))
    report = f"int8-agreement-{reference.manifest.name}"
    atomic_write.write_text(args.reports / f"{report}.json", json.dumps(results, indent=2) + "\n")
    atomic_write.write_text(args.reports / f"{report}.md", _markdown(reference.manifest.name, out.stem, results))
    print(_markdown(reference.manifest.name, out.stem, results))
    return 0


def _markdown(float_name: str, int8_name: str, results: dict[str, dict]) -> str:
    lines = [
        f"# {int8_name} against {float_name}",
        "",
        "Both models analyse the same front-end windows of every track (`musictagger quantize`); the int8 model "
        "hands the tracks whose answer is within reach of its error to the float32 model (deferred).",
        "",
        "| set | tracks | same verdict | same unknown/genre decision | same genre written by `tag` at its default "
        "threshold | median Hamming (bits) | tracks per Hamming distance | deferred to float32 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        spread = ", ".join(f"{d}: {c}" for d, c in sorted(r["hamming"].items(), key=lambda kv: int(kv[0])))
        lines.append(
            f"| {name} | {r['tracks']} | {r['same_verdict']:.1%} | {r['same_decision']:.1%} | "
            f"{r['same_tag_decision']:.1%} | "
            f"{r['median_hamming']:g} | {spread} | {r['deferred']:.1%} |"
        )
    return "\n".join(lines) + "\n"
