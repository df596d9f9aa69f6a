"""The narrower backbone: pruning keeps the teacher's wiring, the adapters start where pruning left off,
the file round-trips, and ``musictagger distil`` writes a backbone that ``train`` can load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="distillation needs torch (the 'train' extra)")

from musictagger.cli.main import main  # noqa: E402
from musictagger.training.backbone import DEFAULT_BACKBONE, load_backbone, save_backbone  # noqa: E402
from musictagger.training.distil import (  # noqa: E402
    Adapters,
    Standardiser,
    Targets,
    distillation_losses,
    prune,
)
from musictagger.training.evidence import WindowTags  # noqa: E402

pytestmark = pytest.mark.skipif(not DEFAULT_BACKBONE.is_file(), reason="the converted MTT_vgg weights are not here")


@pytest.fixture(scope="module")
def teacher_and_crops() -> tuple:
    teacher, head, labels = load_backbone(DEFAULT_BACKBONE)
    crops = torch.from_numpy(np.random.default_rng(0).normal(0.0, 1.0, (4, 374, 96)).astype(np.float32))
    with torch.no_grad():
        pools = teacher(crops)
    return teacher, head, labels, crops, pools


def test_pruning_to_the_full_width_is_the_teacher(teacher_and_crops: tuple) -> None:
    """Keeping every channel must give back the teacher exactly: the kept indices wire conv inputs, batch norms
    and the tag head's (time, channel) columns to the same channels."""
    teacher, head, _, crops, pools = teacher_and_crops
    student, student_head, kept = prune(teacher, head, pools, 128)
    with torch.no_grad():
        student_pools = student.eval()(crops)
    order = [torch.argsort(k) for k in kept]
    for pool, student_pool, inverse in zip(pools, student_pools, order, strict=True):
        torch.testing.assert_close(student_pool[:, inverse], pool, rtol=1e-4, atol=1e-4)
    with torch.no_grad():
        np.testing.assert_allclose(
            WindowTags(student_head)(student_pools[-1]).numpy(), WindowTags(head)(pools[-1]).numpy(), atol=1e-5
        )


def test_a_pruned_block_one_keeps_the_most_varying_channels_and_the_adapters_start_from_them(
    teacher_and_crops: tuple,
) -> None:
    teacher, head, _, crops, pools = teacher_and_crops
    student, _, kept = prune(teacher, head, pools, 32)
    spreads = pools[0].transpose(0, 1).flatten(1).std(dim=1)
    assert spreads[kept[0]].min() >= spreads[np.setdiff1d(np.arange(128), kept[0].numpy())].max()
    standardise = Standardiser.of(pools)
    with torch.no_grad():
        student_pools = student.eval()(crops)
        first = Adapters(kept, standardise)(student_pools)[0]
    target = standardise(pools)[0]
    # Block one's kept channels are the teacher's own, standardised; the rest are predicted as their mean (0).
    torch.testing.assert_close(first[:, kept[0]], target[:, kept[0]], rtol=1e-4, atol=1e-4)
    assert float(first[:, np.setdiff1d(np.arange(128), kept[0].numpy())].abs().max()) == 0.0


def test_the_losses_are_zero_for_the_teacher_itself_and_positive_for_a_pruned_student(
    teacher_and_crops: tuple,
) -> None:
    teacher, head, _, crops, pools = teacher_and_crops
    standardise = Standardiser.of(pools)
    full, full_head, kept_all = prune(teacher, head, pools, 128)
    narrow, narrow_head, kept = prune(teacher, head, pools, 32)
    with torch.no_grad():
        targets = Targets.of(pools, head, standardise)
        blocks, tags = distillation_losses(full.eval()(crops), full_head, Adapters(kept_all, standardise), targets)
        narrow_blocks, _ = distillation_losses(narrow.eval()(crops), narrow_head, Adapters(kept, standardise), targets)
    assert float(blocks) < 1e-6
    # The teacher's own tags reach the cross-entropy's floor: the entropy of its probabilities.
    entropy = torch.nn.functional.binary_cross_entropy(targets.tags, targets.tags)
    torch.testing.assert_close(tags, entropy, rtol=1e-4, atol=1e-5)
    assert float(narrow_blocks) > 0.1


@pytest.mark.parametrize("name", ["narrow.npz", "narrow"])  # `distil --out narrow`: numpy named its own file
def test_a_saved_backbone_loads_at_its_own_width(tmp_path: Path, teacher_and_crops: tuple, name: str) -> None:
    teacher, head, labels, crops, pools = teacher_and_crops
    student, student_head, _ = prune(teacher, head, pools, 16)
    save_backbone(tmp_path / name, student.eval(), student_head, labels)
    assert [path.name for path in tmp_path.iterdir()] == [name]
    loaded, loaded_head, loaded_labels = load_backbone(tmp_path / name)
    assert loaded_labels == labels
    assert loaded.blocks[2].conv.out_channels == 16 and loaded_head.channels == 16
    with torch.no_grad():
        for a, b in zip(student(crops), loaded(crops), strict=True):
            torch.testing.assert_close(a, b)
    assert not list(tmp_path.glob("*.partial*"))


def test_distil_command_writes_a_backbone_train_can_use(
    collection: Path, tmp_path: Path, teacher_and_crops: tuple
) -> None:
    """The whole command on the generated collection's audio, one training file damaged (it is skipped and
    recorded, the run goes on); a 32-channel teacher keeps it quick."""
    data = tmp_path / "data"
    shutil.copytree(collection, data)
    damaged = (data / "train.txt").read_text(encoding="utf-8").split()[0]
    (data / damaged).write_bytes(b"RIFF\x00\x00\x00\x00not a wave file at all")
    teacher, head, labels, _, pools = teacher_and_crops
    small_teacher = tmp_path / "teacher32.npz"
    save_backbone(small_teacher, *prune(teacher, head, pools, 32)[:2], labels)
    out = tmp_path / "narrow.npz"
    status = main(
        ["distil", str(data), "--out", str(out), "--teacher", str(small_teacher), "--channels", "16",
         "--views", "1", "--epochs", "2", "--steps", "2", "--batch-size", "2"]
    )  # fmt: skip
    assert status == 0
    backbone, _, written_labels = load_backbone(out)
    assert backbone.blocks[0].conv.out_channels == 16 and written_labels == labels
    provenance = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert provenance["teacher"] == "teacher32.npz" and "training split (8 tracks" in provenance["heard"]
    assert list(provenance["skipped_files"]) == [damaged] and damaged in provenance["skipped_files"][damaged]
