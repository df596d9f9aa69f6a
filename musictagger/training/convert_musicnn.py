"""Convert musicnn's ``MTT_vgg`` (or ``MSD_vgg``) TensorFlow checkpoint into the ``.npz`` the PyTorch backbone loads.

musicnn 0.1.0 (ISC licence) ships its pre-trained models as TF1 checkpoints.  This module
reads the ``MTT_vgg`` variables, rearranges them into PyTorch's layout and names (those of
:mod:`musictagger.training.backbone`), and writes them with the 50 MagnaTagATune tag names.
With ``--golden`` it also runs musicnn's *original* graph on a fixed input and stores what
it outputs: the ground truth the PyTorch port is tested against
(``tests/training/test_backbone.py``).

TensorFlow is needed only here, so this module imports numpy, TensorFlow and the standard
library, never torch or the rest of the package but its writer of whole files
(:mod:`musictagger.atomic_write`, which imports the standard library alone); run it in a separate environment::

    python3 -m venv /work/tfenv
    /work/tfenv/bin/pip install tensorflow-cpu tf_keras numpy
    /work/tfenv/bin/pip install --no-deps musicnn-0.1.0-py3-none-any.whl   # only for --golden
    /work/tfenv/bin/python -m musictagger.training.convert_musicnn \\
        --checkpoint-dir …/site-packages/musicnn/MTT_vgg \\
        --out models/backbone/musicnn_mtt_vgg.npz --golden tests/data/backbone_golden.npz
"""

from __future__ import annotations

import argparse
import ast
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tensorflow as tf

from musictagger.atomic_write import replacing_file

MODEL = "MTT_vgg"
N_FRAMES = 187
N_MELS = 96
N_BLOCKS = 5
GOLDEN_SEED = 20190722
GOLDEN_SAMPLES = 1024

# tf.compat.v1.layers.batch_normalization variable → torch.nn.BatchNorm2d parameter or buffer.
BATCH_NORM_NAMES = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean", "moving_variance": "running_var"}

Reader = Callable[[str], np.ndarray]


def checkpoint_prefix(checkpoint_dir: Path) -> str:
    """Prefix of musicnn's checkpoint in ``checkpoint_dir``.

    musicnn stores its files with an empty base name (``.index``, ``.data-00000-of-00001``),
    and its ``checkpoint`` state file names a directory on the author's machine, so
    ``tf.train.latest_checkpoint`` (and thus ``tf.train.load_checkpoint`` on the directory)
    finds nothing: the prefix is the directory itself with a trailing separator.
    """
    if not (checkpoint_dir / ".index").is_file():
        raise SystemExit(f"error: {checkpoint_dir} holds no musicnn checkpoint (no '.index' file)")
    return os.path.join(checkpoint_dir, "")


def read_labels(configuration: Path, name: str = "MTT_LABELS") -> list[str]:
    """The tag names ``name`` assigned in musicnn's ``configuration.py``, read without importing it."""
    for node in ast.parse(configuration.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return [str(label) for label in ast.literal_eval(node.value)]
    raise SystemExit(f"error: {configuration} does not define {name}")


def labels_name(checkpoint_dir: Path) -> str:
    """The tag list of a checkpoint folder: ``MSD_vgg`` → ``MSD_LABELS``, ``MTT_vgg`` → ``MTT_LABELS``."""
    return f"{checkpoint_dir.name.split('_')[0]}_LABELS"


def batch_norm_arrays(read: Reader, tf_scope: str, torch_prefix: str) -> dict[str, np.ndarray]:
    """One batch-norm layer's four arrays under their ``nn.BatchNorm2d`` names."""
    return {
        f"{torch_prefix}.{torch_name}": read(f"{tf_scope}/{tf_name}")
        for tf_name, torch_name in BATCH_NORM_NAMES.items()
    }


def torch_arrays(read: Reader) -> dict[str, np.ndarray]:
    """All ``MTT_vgg`` weights, renamed and transposed to PyTorch's layout, as float32.

    Conv kernels go from TF's ``[kh, kw, in, out]`` to ``[out, in, kh, kw]``, the dense kernel
    from ``[in, out]`` to ``[out, in]``.  The dense layer's input order is left as it is (TF's
    NHWC flattening of pool5): :class:`~musictagger.training.backbone.MTTTagHead` flattens
    the same way.  TF layers are numbered in creation order: ``batch_normalization`` is the
    input's, ``batch_normalization_<i>`` follows conv ``<i>CNN``.
    """
    arrays = batch_norm_arrays(read, "batch_normalization", "backbone.input_bn")
    for block in range(N_BLOCKS):
        prefix = f"backbone.blocks.{block}"
        arrays[f"{prefix}.conv.weight"] = read(f"{block + 1}CNN/kernel").transpose(3, 2, 0, 1)
        arrays[f"{prefix}.conv.bias"] = read(f"{block + 1}CNN/bias")
        arrays.update(batch_norm_arrays(read, f"batch_normalization_{block + 1}", f"{prefix}.bn"))
    arrays["head.dense.weight"] = read("dense/kernel").T
    arrays["head.dense.bias"] = read("dense/bias")
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in arrays.items()}


def convert(checkpoint_dir: Path, out: Path) -> None:
    """Write the converted weights and the tag names (key ``labels``) to ``out``."""
    reader = tf.compat.v1.train.NewCheckpointReader(checkpoint_prefix(checkpoint_dir))
    arrays = torch_arrays(reader.get_tensor)
    labels = read_labels(checkpoint_dir.parent / "configuration.py", labels_name(checkpoint_dir))
    if len(labels) != arrays["head.dense.bias"].shape[0]:
        raise SystemExit(f"error: {len(labels)} labels for {arrays['head.dense.bias'].shape[0]} outputs")
    out.parent.mkdir(parents=True, exist_ok=True)
    with replacing_file(out) as file:
        np.savez(file, labels=np.array(labels), **arrays)
    print(f"wrote {out}: {len(arrays)} arrays, {sum(a.size for a in arrays.values())} weights, {len(labels)} tags")


def golden_input(seed: int = GOLDEN_SEED) -> np.ndarray:
    """Two 187-frame log-mel patches ``(2, 187, 96)`` in musicnn's input range [0, 4).

    Patch 0 is white noise; patch 1 looks like music (falling spectral tilt, harmonic
    stripes, a beat every 23 frames) so the network is also checked on the kind of input it
    was trained on.  Values lie on a 1/64 grid: exact in float32 and compressible.
    """
    rng = np.random.default_rng(seed)
    noise = rng.uniform(0.0, 4.0, (N_FRAMES, N_MELS))
    time = np.arange(N_FRAMES)[:, None]
    band = np.arange(N_MELS)[None, :]
    tilt = 3.0 - 2.0 * band / N_MELS
    stripes = 0.8 * (band % 12 < 2)
    beats = 0.6 * (time % 23 < 3)
    music = tilt + stripes + beats + rng.normal(0.0, 0.25, (N_FRAMES, N_MELS))
    patches = np.clip(np.stack([noise, music]), 0.0, 4.0 - 1.0 / 64)
    return (np.round(patches * 64) / 64).astype(np.float32)


def run_original_graph(prefix: str, log_mel: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Tag probabilities ``(B, 50)`` and pool1..pool5 (NHWC) of musicnn's own ``MTT_vgg`` graph.

    musicnn builds its graph with ``tf.compat.v1.layers``, which current TensorFlow provides
    only through the legacy ``tf_keras`` package, selected by ``TF_USE_LEGACY_KERAS=1``
    (read when Keras is first loaded, i.e. by musicnn's first layer).
    """
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    from musicnn import models  # after the variable above; only --golden needs musicnn

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, N_MELS])
        logits, *pools = models.define_model(x, False, MODEL, 50)
        probabilities = tf.nn.sigmoid(logits)
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session(graph=graph) as session:
            saver.restore(session, prefix)
            outputs = session.run([probabilities, *pools], feed_dict={x: log_mel})
    return outputs[0], outputs[1:]


def summarise_pool(name: str, pool_nhwc: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Compact, layout-explicit summary of one pool output, in PyTorch's NCHW order.

    A full pool1 of two patches is 4.5 MB, so the golden file keeps per-channel means and
    maxima (which every activation contributes to) and the exact values at
    ``GOLDEN_SAMPLES`` random positions of the flattened NCHW tensor.
    """
    pool = pool_nhwc.transpose(0, 3, 1, 2)
    index = np.sort(rng.choice(pool.size, size=min(GOLDEN_SAMPLES, pool.size), replace=False))
    return {
        f"{name}_mean": pool.mean(axis=(2, 3)),
        f"{name}_max": pool.max(axis=(2, 3)),
        f"{name}_index": index,
        f"{name}_sample": pool.reshape(-1)[index],
    }


def write_golden(checkpoint_dir: Path, out: Path) -> None:
    """Run the original graph on :func:`golden_input` and store input and outputs in ``out``."""
    log_mel = golden_input()
    probabilities, pools = run_original_graph(checkpoint_prefix(checkpoint_dir), log_mel)
    rng = np.random.default_rng(GOLDEN_SEED)
    summaries: dict[str, np.ndarray] = {}
    for number, pool in enumerate(pools, start=1):
        summaries.update(summarise_pool(f"pool{number}", pool, rng))
    out.parent.mkdir(parents=True, exist_ok=True)
    with replacing_file(out) as file:
        np.savez_compressed(file, log_mel=log_mel, probabilities=probabilities, **summaries)
    print(f"wrote {out}: TF outputs of musicnn {MODEL} for input {log_mel.shape}")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--checkpoint-dir", type=Path, required=True, help="musicnn's MTT_vgg or MSD_vgg checkpoint directory"
    )
    parser.add_argument("--out", type=Path, help="converted weights (.npz) to write")
    parser.add_argument(
        "--golden",
        type=Path,
        help="write the original TF graph's outputs on a fixed input (the tests' ground truth) here",
    )
    args = parser.parse_args(argv)
    if args.out is None and args.golden is None:
        parser.error("nothing to do: give --out, --golden or both")
    if args.out is not None:
        convert(args.checkpoint_dir, args.out)
    if args.golden is not None:
        write_golden(args.checkpoint_dir, args.golden)


if __name__ == "__main__":
    main()
