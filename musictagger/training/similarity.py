"""Training the hash head so its codes keep *which music this is*, not only the genre.

Every step draws, for each track of a batch, two different windows from its pool (its clean
analysis windows and its degraded random crops): the two views are the positives of the
contrastive term, the other tracks of the batch its negatives, and both are classified.
Validation is what the app will do: track-level accuracy read from the quantised bits, and
same-track retrieval between a track's first and last windows (which do not overlap on a
60-s track), by Hamming distance, and, given room captures of the validation tracks, the share
of them whose own track the library's search would show first among every training and
validation track; the epoch best on their sum is kept.

With ``identity_bits`` (the third model) the code's last bits are not learnt here: they are
fitted first, in closed form, on the same pools (:mod:`musictagger.training.identity`), and
every window carries their fixed relaxed values into the classifier and the retrieval.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from tqdm import tqdm

from musictagger.evaluation.metrics import own_item_ranks
from musictagger.model.codes import binarize
from musictagger.training.config import ModelConfig, SimilarityTrainConfig
from musictagger.training.identity import IdentityHash, fit_identity_hash
from musictagger.training.loop import RunLog, WindowSet, evaluate_tracks, identity_codes, selected, windows_of
from musictagger.training.losses import (
    centre_loss,
    class_centres,
    contrastive_loss,
    decorrelation_loss,
    hash_loss,
)
from musictagger.training.model import HashHead
from musictagger.training.selection import select_channels_by_fisher


@dataclass(frozen=True)
class SimilarityResult:
    head: HashHead
    identity: IdentityHash | None
    best_epoch: int
    valid_accuracy: float
    valid_retrieval: float
    valid_room_first: float | None  # None: no room captures were given
    epochs_run: int


@torch.no_grad()
def window_retrieval(head: HashHead, first: WindowSet, last: WindowSet) -> float:
    """Share of tracks whose first window's bits are nearest (Hamming) to their own last window's."""
    head.eval()
    query = (head.relaxed_code(first.maps, first.identity) >= 0.5).float()
    database = (head.relaxed_code(last.maps, last.identity) >= 0.5).float()
    distances = query @ (1 - database).T + (1 - query) @ database.T
    own = distances.diagonal().unsqueeze(1)
    rivals_closer = (distances < own).sum(dim=1)
    return float((rivals_closer == 0).float().mean())


def found_first(
    query_codes: np.ndarray, query_tracks: np.ndarray, window_codes: np.ndarray, window_tracks: np.ndarray
) -> float:
    """Share of queries (relaxed codes ``(Q, K)``, of tracks ``query_tracks``) whose own track the library's
    search shows first, among tracks whose windows have the relaxed codes ``window_codes`` ``(N, K)`` (of
    tracks ``window_tracks``, numbered from 0): a track's code is the mean of its windows', as the app
    makes it, and the ranking is the search's over all the bits
    (:func:`~musictagger.evaluation.metrics.own_item_ranks`): the head's learnt bits count, which the app's
    search leaves out of a model with identity bits."""
    sums = np.zeros((window_tracks.max() + 1, window_codes.shape[1]))
    np.add.at(sums, window_tracks, window_codes)
    track_codes = sums / np.bincount(window_tracks)[:, None]
    ranks = own_item_ranks(
        binarize(query_codes),
        binarize(track_codes),
        query_tracks,
        query_relaxed=query_codes,
        database_relaxed=track_codes,
    )
    return float(np.mean(ranks == 0))


@torch.no_grad()
def room_first(head: HashHead, rooms: WindowSet, library: WindowSet) -> float:
    """:func:`found_first` for room captures (``rooms``, of the tracks numbered as ``library``'s first
    tracks) among the ``library`` tracks, by ``head``'s codes."""
    head.eval()
    return found_first(
        head.relaxed_code(rooms.maps, rooms.identity).numpy(),
        rooms.track_of_window,
        head.relaxed_code(library.maps, library.identity).numpy(),
        library.track_of_window,
    )


def _pair_batch(
    pools: list[WindowSet], tracks: np.ndarray, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Two different windows of each of ``tracks``, all first views then all second views:
    ``(maps, identity bits or None)``."""
    picks = np.array([rng.choice(len(pools[t].maps), size=2, replace=False) for t in tracks])
    order = [(t, int(p)) for column in (0, 1) for t, p in zip(tracks, picks[:, column], strict=True)]
    maps = torch.stack([pools[t].maps[i] for t, i in order])
    if pools[0].identity is None:
        return maps, None
    return maps, torch.stack([pools[t].identity[i] for t, i in order])


def train_similarity_head(
    train_pools: list[np.ndarray],
    clean_counts: list[int],
    train_labels: np.ndarray,
    valid_maps: list[np.ndarray],
    valid_labels: np.ndarray,
    *,
    n_classes: int,
    model_config: ModelConfig,
    config: SimilarityTrainConfig,
    checkpoint_path: Path,
    log: RunLog,
    int8_maps: list[np.ndarray] | None = None,
    valid_rooms: list[np.ndarray] | None = None,
) -> SimilarityResult:
    """Fit a :class:`HashHead` on pools of windows per training track (clean windows first).

    ``train_pools[i]`` holds track ``i``'s maps ``(n_i, 5, 128, Tg, Fg)``: its
    ``clean_counts[i]`` clean windows (at most ``config.train_windows``: a short track has
    fewer), then its degraded views.  ``int8_maps[i]``, if given, are the int8 backbone's maps of
    those clean windows: the identity fit discounts how they moved, and the head trains on them
    as more views.  ``valid_rooms[i]``, if given, are room captures of validation track ``i``: the
    share found first (:func:`room_first`) joins the epoch's score.  Channels are selected by
    Fisher score on the clean windows only, as the paper's model does.
    """
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    identity = None
    if model_config.identity_bits:
        identity = fit_identity_hash(
            train_pools,
            clean_counts,
            bits=model_config.identity_bits,
            seed=config.seed,
            maxima=model_config.identity_maxima,
            int8_maps=int8_maps,
        )
        log.write("identity_hash", bits=model_config.identity_bits, features=int(identity.mean.numel()))
    if int8_maps is not None:
        train_pools = [np.concatenate([pool, int8]) for pool, int8 in zip(train_pools, int8_maps, strict=True)]
    clean = [pool[:count] for pool, count in zip(train_pools, clean_counts, strict=True)]
    channel_index = select_channels_by_fisher(
        np.concatenate(clean),
        np.repeat(train_labels, [len(c) for c in clean]),
        per_layer=model_config.channels_per_layer,
    )
    log.write("selection", channel_index=channel_index.tolist())
    pools = [windows_of([pool], train_labels[i : i + 1], channel_index, identity) for i, pool in enumerate(train_pools)]
    labels = torch.from_numpy(train_labels)
    valid: WindowSet = windows_of(valid_maps, valid_labels, channel_index, identity)
    first = windows_of([m[:1] for m in valid_maps], valid_labels, channel_index, identity)
    last = windows_of([m[-1:] for m in valid_maps], valid_labels, channel_index, identity)
    rooms = None  # the room captures, and the library they search: validation then training tracks, clean
    if valid_rooms is not None:
        rooms = (
            windows_of(valid_rooms, valid_labels, channel_index, identity),
            windows_of([*valid_maps, *clean], np.concatenate([valid_labels, train_labels]), channel_index, identity),
        )

    head = HashHead(model_config, n_classes=n_classes, channel_index=torch.from_numpy(channel_index))
    learnt_bits = model_config.bits - model_config.identity_bits
    centres = class_centres(n_classes, learnt_bits) if config.centre_weight else None
    optimiser = torch.optim.AdamW(head.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=config.epochs)
    best: float | None = None
    best_epoch = 0
    for epoch in tqdm(range(1, config.epochs + 1), desc="epochs"):
        head.train()
        order = rng.permutation(len(pools))
        totals = np.zeros(6)
        n_batches = 0
        for start in range(0, len(order) - 1, config.batch_tracks):
            tracks = order[start : start + config.batch_tracks]
            if len(tracks) < 2:
                continue
            maps, identity_bits = _pair_batch(pools, tracks, rng)
            logits, code = head(maps, identity_bits)
            base = hash_loss(
                logits,
                code,
                labels[tracks].repeat(2),
                quantization_weight=config.quantization_weight,
                balance_weight=config.balance_weight,
            )
            n = len(tracks)
            contrastive = contrastive_loss(code[:n], code[n:], temperature=config.contrastive_temperature)
            decorrelation = decorrelation_loss(code)
            total = base.total + config.contrastive_weight * contrastive + config.decorrelation_weight * decorrelation
            if centres is not None:
                total = total + config.centre_weight * centre_loss(
                    code[:, :learnt_bits], labels[tracks].repeat(2), centres
                )
            optimiser.zero_grad()
            total.backward()
            optimiser.step()
            totals += [
                t.item()
                for t in (total, base.classification, contrastive, base.quantization, base.balance, decorrelation)
            ]
            n_batches += 1
        schedule.step()
        evaluation = evaluate_tracks(head, valid)
        retrieval = window_retrieval(head, first, last)
        room = None if rooms is None else room_first(head, *rooms)
        names = ("loss", "classification", "contrastive", "quantization", "balance", "decorrelation")
        log.write(
            "epoch",
            epoch=epoch,
            **dict(zip(names, (totals / max(n_batches, 1)).round(5).tolist(), strict=True)),
            valid_accuracy=evaluation.accuracy,
            valid_loss=round(evaluation.loss, 5),
            valid_window_retrieval=retrieval,
            **({} if room is None else {"valid_room_first": room}),
        )
        score = evaluation.accuracy + retrieval + (room or 0.0)
        if best is None or score > best:
            best, best_epoch = score, epoch
            torch.save(head.state_dict(), checkpoint_path)
    head.load_state_dict(torch.load(checkpoint_path, weights_only=True))
    final = evaluate_tracks(head, valid)
    return SimilarityResult(
        head=head.eval(),
        identity=identity,
        best_epoch=best_epoch,
        valid_accuracy=final.accuracy,
        valid_retrieval=window_retrieval(head, first, last),
        valid_room_first=None if rooms is None else room_first(head, *rooms),
        epochs_run=config.epochs,
    )


@torch.no_grad()
def window_probabilities(head: HashHead, maps: np.ndarray, identity: IdentityHash | None) -> np.ndarray:
    """Softmax of the classifier on the quantised bits for full grid maps, as the exported model computes it."""
    head.eval()
    selected_maps = torch.from_numpy(selected(maps, head.channel_index.numpy()))
    code = head.relaxed_code(selected_maps, identity_codes(identity, maps))
    return F.softmax(head.classifier((code >= 0.5).float()), dim=-1).numpy()
