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
