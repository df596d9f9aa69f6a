"""Hashing baselines on fixed feature vectors: LSH, ITQ and supervised KSH.

Each method learns from the training vectors (and, for KSH, their labels), then maps any vector
to ``bits`` 0/1 values; retrieval ranks by Hamming distance.  Inputs should be standardised.

* :class:`LSH` — random hyperplanes through the training mean (Charikar 2002); no learning.
* :class:`ITQ` — PCA to ``bits`` dimensions, then the rotation that best aligns the projections
  with the vertices of the hypercube, by 50 alternating steps (Gong & Lazebnik, CVPR 2011).
* :class:`KSH` — kernel-based supervised hashing (Liu, Wang, Ji, Jiang & Chang, CVPR 2012), from
  the paper's equations:

  - *Kernel*: Gaussian RBF ``k(x, a) = exp(−‖x − a‖² / 2σ²)``, with ``2σ²`` the mean squared
    distance from the training vectors to the anchors (as in the authors' code).
  - *Anchors*: ``m`` training vectors drawn at random; ``m = min(300, n // 2)`` — the paper's 300,
    capped at half the labelled set so the kernel model stays low-rank, as it is in the paper
    (300 anchors for 1,000–2,000 labels).  All training vectors are labelled samples (``l = n``).
  - *Hash functions*: ``h_k(x) = sgn(k̄(x)ᵀ a_k)`` with ``k̄(x)`` the anchor kernel vector minus its
    mean over the training set (Eq. 2), so each bit is balanced at the start.
  - *Objective*: ``min ‖B Bᵀ − r S‖²_F`` with ``S_ij = +1`` for a same-label pair and ``−1`` otherwise
    (Eq. 8), which the paper solves **greedily, one bit at a time**: with the residue
    ``R_{k−1} = rS − Σ_{t<k} b_t b_tᵀ``, bit ``k`` maximises ``sgn(K̄a)ᵀ R_{k−1} sgn(K̄a)`` (Eq. 9).
  - *Solver, per bit*: (1) spectral relaxation — drop the sign, giving the generalised eigenproblem
    ``K̄ᵀ R K̄ a = λ K̄ᵀ K̄ a`` (a small ridge keeps ``K̄ᵀK̄`` definite), whose top eigenvector, scaled
    to ``aᵀK̄ᵀK̄a = l``, is the start; (2) sigmoid smoothing — replace ``sgn`` by
    ``φ(x) = 2 / (1 + e^{−x}) − 1`` and minimise ``−φ(K̄a)ᵀ R φ(K̄a)`` from that start (the paper
    uses Nesterov's gradient descent; we use L-BFGS with the analytic gradient
    ``−K̄ᵀ((Rφ) ⊙ (1 − φ²))``, at most 300 iterations); (3) keep whichever of the two solutions has
    the better *discrete* objective, as the paper prescribes, and update the residue.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigh
from scipy.optimize import minimize


def _check(features: np.ndarray, bits: int) -> np.ndarray:
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"expected (n_samples ≥ 2, n_features) features, got {features.shape}")
    if not 1 <= bits <= 64:
        raise ValueError(f"bits must be in 1..64, got {bits}")
    return features


class LSH:
    """Sign of random Gaussian projections of the centred vectors."""

    def __init__(self, bits: int, *, seed: int = 0) -> None:
        self.bits, self.seed = bits, seed

    def fit(self, features: np.ndarray, labels: np.ndarray | None = None) -> LSH:
        features = _check(features, self.bits)
        self.mean_ = features.mean(axis=0)
        self.projection_ = np.random.default_rng(self.seed).normal(size=(features.shape[1], self.bits))
        return self

    def encode(self, features: np.ndarray) -> np.ndarray:
        return ((np.asarray(features) - self.mean_) @ self.projection_ >= 0).astype(np.uint8)


class ITQ:
    """PCA to ``bits`` dimensions followed by the learnt orthogonal rotation."""

    def __init__(self, bits: int, *, seed: int = 0, iterations: int = 50) -> None:
        self.bits, self.seed, self.iterations = bits, seed, iterations

    def fit(self, features: np.ndarray, labels: np.ndarray | None = None) -> ITQ:
        features = _check(features, self.bits)
        if self.bits > min(features.shape):
            raise ValueError(f"ITQ needs at least {self.bits} samples and features, got {features.shape}")
        self.mean_ = features.mean(axis=0)
        _, _, components = np.linalg.svd(features - self.mean_, full_matrices=False)
        self.pca_ = components[: self.bits].T
        projected = (features - self.mean_) @ self.pca_
        rotation, _ = np.linalg.qr(np.random.default_rng(self.seed).normal(size=(self.bits, self.bits)))
        for _ in range(self.iterations):
            codes = np.where(projected @ rotation >= 0, 1.0, -1.0)
            u, _, vt = np.linalg.svd(codes.T @ projected)
            rotation = (u @ vt).T
        self.rotation_ = rotation
        return self

    def encode(self, features: np.ndarray) -> np.ndarray:
        return (((np.asarray(features) - self.mean_) @ self.pca_) @ self.rotation_ >= 0).astype(np.uint8)


def _phi(x: np.ndarray) -> np.ndarray:
    """The paper's smooth surrogate of ``sgn``: ``2 / (1 + e^{−x}) − 1`` (= tanh(x / 2))."""
    return np.tanh(x / 2)


def _sign(x: np.ndarray) -> np.ndarray:
    return np.where(x >= 0, 1.0, -1.0)


class KSH:
    """Kernel-based supervised hashing (see the module docstring for the equations and solver)."""

    def __init__(self, bits: int, *, anchors: int = 300, seed: int = 0, max_iterations: int = 300) -> None:
        self.bits, self.anchors, self.seed, self.max_iterations = bits, anchors, seed, max_iterations

    def _kernel(self, features: np.ndarray) -> np.ndarray:
        """Centred anchor kernel vectors ``k̄(x)``, shape ``(n, m)``."""
        squared = (
            (features**2).sum(axis=1)[:, None] - 2 * features @ self.anchors_.T + (self.anchors_**2).sum(axis=1)[None]
        )
        return np.exp(-np.maximum(squared, 0) / self.two_sigma_squared_) - self.kernel_mean_

    def fit(self, features: np.ndarray, labels: np.ndarray) -> KSH:
        features = _check(features, self.bits)
        labels = np.asarray(labels)
        n = len(features)
        rng = np.random.default_rng(self.seed)
        m = max(1, min(self.anchors, n // 2))
        self.anchors_ = features[rng.choice(n, size=m, replace=False)]
        squared = ((features[:, None, :] - self.anchors_[None]) ** 2).sum(axis=2)
        self.two_sigma_squared_ = float(squared.mean())
        self.kernel_mean_ = np.exp(-squared / self.two_sigma_squared_).mean(axis=0)
        kernel = self._kernel(features)

        residue = self.bits * np.where(labels[:, None] == labels[None, :], 1.0, -1.0)
        gram = kernel.T @ kernel
        gram += 1e-6 * np.trace(gram) / m * np.eye(m)
        projections = []
        for _ in range(self.bits):
            _, vectors = eigh(kernel.T @ residue @ kernel, gram, subset_by_index=[m - 1, m - 1])
            start = vectors[:, 0] * np.sqrt(n / (vectors[:, 0] @ gram @ vectors[:, 0]))

            def smooth(a: np.ndarray, residue: np.ndarray = residue) -> tuple[float, np.ndarray]:
                b = _phi(kernel @ a)
                rb = residue @ b
                return -float(b @ rb), -kernel.T @ (rb * (1 - b**2))

            smoothed = minimize(smooth, start, jac=True, method="L-BFGS-B", options={"maxiter": self.max_iterations}).x
            best = max((start, smoothed), key=lambda a: float(_sign(kernel @ a) @ residue @ _sign(kernel @ a)))
            bit = _sign(kernel @ best)
            residue = residue - np.outer(bit, bit)
            projections.append(best)
        self.projection_ = np.stack(projections, axis=1)
        return self

    def encode(self, features: np.ndarray) -> np.ndarray:
        return (self._kernel(np.asarray(features, dtype=np.float64)) @ self.projection_ >= 0).astype(np.uint8)


METHODS = {"KSH": KSH, "ITQ": ITQ, "LSH": LSH}
"""The hashing baselines of experiment 3, by the names the report uses."""
