"""The second model's pieces in torch: the contrastive and decorrelation terms, the backbone's
window tags, the novelty distance, and the calibration and threshold choice built on them."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")

from musictagger.model.verdict import VerdictPolicy  # noqa: E402
from musictagger.training.backbone import DEFAULT_BACKBONE, PATCH_FRAMES, load_backbone  # noqa: E402
from musictagger.training.calibration import EvidenceSet, choose_policy, fit_temperature  # noqa: E402
from musictagger.training.evidence import Novelty, WindowTags, fit_whitening  # noqa: E402
from musictagger.training.losses import (  # noqa: E402
    centre_loss,
    class_centres,
    contrastive_loss,
    decorrelation_loss,
)

LABELS = ("a", "b")


def test_contrastive_loss_is_low_for_matching_views_and_high_for_shuffled_ones() -> None:
    generator = torch.Generator().manual_seed(0)
    codes = torch.rand(16, 32, generator=generator).round()
    noisy = (codes + 0.1 * torch.rand(16, 32, generator=generator)).clamp(0, 1)
    matched = contrastive_loss(codes, noisy, temperature=0.2)
    shuffled = contrastive_loss(codes, noisy[torch.randperm(16, generator=generator)], temperature=0.2)
    assert matched < 0.5 < shuffled


def test_decorrelation_penalises_duplicated_bits_only() -> None:
    generator = torch.Generator().manual_seed(1)
    independent = torch.rand(512, 8, generator=generator)
    duplicated = independent.clone()
    duplicated[:, 1] = duplicated[:, 0]
    assert decorrelation_loss(independent) < 0.01
    assert decorrelation_loss(duplicated) > 10 * decorrelation_loss(independent)


def test_class_centres_are_balanced_and_half_the_bits_apart_and_pull_codes_to_them() -> None:
    centres = class_centres(4, 16)
    assert centres.shape == (4, 16) and torch.all(centres.sum(dim=1) == 8)
    distances = (centres[:, None, :] != centres[None, :, :]).sum(dim=2)
    assert torch.all(distances[~torch.eye(4, dtype=torch.bool)] == 8)
    labels = torch.tensor([0, 1, 2, 3])
    assert centre_loss(centres, labels, centres) < 1e-3 < centre_loss(centres[[1, 2, 3, 0]], labels, centres)
    with pytest.raises(ValueError, match="power-of-two"):
        class_centres(4, 24)


def test_window_tags_are_the_tag_head_on_every_patch_averaged() -> None:
    backbone, head, _ = load_backbone(DEFAULT_BACKBONE)
    patch = 3.0 * torch.rand(1, PATCH_FRAMES, 96, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        pool5 = backbone(patch)[-1]
        assert pool5.shape[2] == 2, "a 187-frame patch has two pool5 steps"
        expected = torch.sigmoid(head(pool5))
        assert torch.allclose(WindowTags(head)(pool5), expected, atol=1e-6)
        longer = torch.cat([pool5, pool5.flip(2)], dim=2)  # four steps: three patches
        pairs = [torch.sigmoid(head(longer[:, :, i : i + 2])) for i in range(3)]
        assert torch.allclose(WindowTags(head)(longer), torch.stack(pairs).mean(dim=0), atol=1e-6)


def test_novelty_is_about_one_on_training_data_and_large_far_from_it() -> None:
    rng = np.random.default_rng(3)
    mixing = rng.standard_normal((20, 20))
    train = (rng.standard_normal((2000, 20)) @ mixing).astype(np.float32)
    novelty = Novelty(*fit_whitening(train, shrinkage=0.0))
    with torch.no_grad():
        assert float(novelty(torch.from_numpy(train)).mean()) == pytest.approx(1.0, rel=0.01)
        far = torch.from_numpy(train[:5] + 20 * np.abs(train).max())
        assert float(novelty(far).min()) > 50


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_the_fitted_temperature_recovers_an_overconfident_models_scale() -> None:
    rng = np.random.default_rng(4)
    true_logits = rng.standard_normal((1000, 4)) * 2
    labels = np.array([rng.choice(4, p=p) for p in softmax(true_logits)])
    overconfident = softmax(3.0 * true_logits)  # the model's logits are three times too large
    temperature = fit_temperature([p[None, :] for p in overconfident], labels)
    assert temperature == pytest.approx(3.0, rel=0.1)


def evidence(name: str, novelty: list[float], confidence: list[float], expected: list[str | None]) -> EvidenceSet:
    probabilities = [np.array([[c, 1 - c]]) for c in confidence]
    return EvidenceSet(name, probabilities, np.array(novelty), np.zeros((len(novelty), 1)), expected)


def test_the_chosen_policy_refuses_all_non_music_and_keeps_valid() -> None:
    valid = evidence("valid", [1.0, 1.2, 0.9, 1.1, 1.3, 1.0, 0.8, 1.4, 1.2, 1.1], [0.9] * 10, ["a"] * 10)
    dev = evidence("dev", [1.5, 1.6, 4.0, 5.0, 6.0], [0.9, 0.8, 0.9, 0.9, 0.6], ["a", "a", None, None, None])
    noise = evidence("non-music", [40.0, 55.0, 80.0], [0.99, 0.99, 0.99], [None] * 3)
    choice = choose_policy(
        temperature=1.0,
        valid=valid,
        dev=dev,
        non_music=noise,
        labels=LABELS,
        tag_names=("t",),
        foreign=(),
        native=(),
        chosen_on="test",
    )
    policy: VerdictPolicy = choice.policy
    assert policy.not_music_novelty is not None and policy.not_music_novelty < 40.0
    assert choice.outcomes["non-music"].not_music == 3
    assert choice.outcomes["valid"].kept == 10
    assert choice.outcomes["dev"].refused_correctly == 3 and choice.outcomes["dev"].kept == 2
