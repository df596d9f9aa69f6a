"""The training objective: classification on the relaxed code, pulled towards binary.

``loss = CE(classifier(q), y) + λ_q · mean(q·(1−q)) + λ_b · mean_k (mean_batch q_k − ½)²``

* The quantisation term is zero exactly when every ``q_k`` is 0 or 1, so the classifier
  learns on codes that survive thresholding (at inference it reads the bits).
* The bit-balance term asks each bit to be on for half of a batch, so no bit is wasted
  on a constant and the code spreads the tracks over Hamming space.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor


@dataclass(frozen=True)
class LossTerms:
    total: Tensor
    classification: Tensor
    quantization: Tensor
    balance: Tensor


def hash_loss(
    logits: Tensor, code: Tensor, labels: Tensor, *, quantization_weight: float, balance_weight: float
) -> LossTerms:
    """All terms of the objective for one batch."""
    classification = F.cross_entropy(logits, labels)
    quantization = (code * (1.0 - code)).mean()
    balance = ((code.mean(dim=0) - 0.5) ** 2).mean()
    total = classification + quantization_weight * quantization + balance_weight * balance
    return LossTerms(total=total, classification=classification, quantization=quantization, balance=balance)


def quantised_logits(classifier: torch.nn.Linear, code: Tensor) -> Tensor:
    """The classifier applied to the bits ``code >= 0.5``, as at inference."""
    return classifier((code >= 0.5).to(code.dtype))


def contrastive_loss(code_a: Tensor, code_b: Tensor, *, temperature: float) -> Tensor:
    """NT-Xent (SimCLR, CLMR) between two views of the same tracks, on the centred codes ``2q − 1``.

    Row ``i`` of ``code_a`` and of ``code_b`` come from one track: each is pulled towards the
    other and pushed from every other track's views in the batch.  The similarity is
    ``(2q − 1)·(2q' − 1) / K``, not a cosine: for binary codes it is ``1 − 2·hamming / K``,
    so the term orders Hamming space by *which music this is*, and, since only codes at 0 or 1
    reach a similarity of 1, it also pulls the relaxed code to binary — which the
    quantisation term alone cannot do from ``q = ½``, where its gradient vanishes.
    """
    centred = torch.cat([2.0 * code_a - 1.0, 2.0 * code_b - 1.0])
    similarity = centred @ centred.T / (code_a.shape[1] * temperature)
    n = code_a.shape[0]
    similarity = similarity.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(similarity, targets)


def decorrelation_loss(code: Tensor) -> Tensor:
    """Mean squared off-diagonal correlation between bits over the batch: no two bits say the same thing."""
    centred = code - code.mean(dim=0)
    scaled = centred / (centred.pow(2).mean(dim=0).sqrt() + 1e-6)
    correlation = scaled.T @ scaled / code.shape[0]
    off_diagonal = correlation - torch.diag(torch.diag(correlation))
    k = code.shape[1]
    return off_diagonal.pow(2).sum() / (k * (k - 1))


def class_centres(n_classes: int, bits: int) -> Tensor:
    """One target code per class for :func:`centre_loss`: rows of a Hadamard matrix as 0/1 bits, so
    every two classes' codes differ in exactly half of the ``bits`` (a power of two) and each code
    has as many ones as zeros (the all-ones first row is skipped)."""
    if bits & (bits - 1) or n_classes >= bits:
        raise ValueError(f"class centres need a power-of-two length above the number of classes, got {bits}")
    hadamard = torch.ones(1, 1)
    while len(hadamard) < bits:
        hadamard = torch.cat([torch.cat([hadamard, hadamard], 1), torch.cat([hadamard, -hadamard], 1)])
    return (hadamard[1 : n_classes + 1] + 1) / 2


def centre_loss(code: Tensor, labels: Tensor, centres: Tensor) -> Tensor:
    """Binary cross-entropy of each relaxed code to its class's centre (central similarity hashing,
    Yuan et al., CVPR 2020): the genre bits of one class gather at one code, far from the others'."""
    return F.binary_cross_entropy(code.clamp(1e-6, 1 - 1e-6), centres[labels])
