"""The mirrored ring buffer against a plain list of frames."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musictagger.audio.ringbuffer import RingBuffer
from musictagger.errors import ParameterError


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.integers(1, 40),
    blocks=st.lists(st.integers(0, 90), min_size=1, max_size=12),
    wanted=st.integers(0, 50),
)
def test_latest_and_since_agree_with_a_naive_history(capacity: int, blocks: list[int], wanted: int) -> None:
    ring = RingBuffer(capacity, 2)
    history = np.zeros((0, 2), np.float32)
    reader = 0
    for size in blocks:
        block = np.arange(len(history), len(history) + size, dtype=np.float32).repeat(2).reshape(-1, 2)
        block[:, 1] *= -1
        ring.write(block)
        history = np.concatenate([history, block])
        assert ring.written == len(history)
        np.testing.assert_array_equal(
            ring.latest(wanted), history[len(history) - min(wanted, capacity, len(history)) :]
        )
        fresh, reader_after, lost = ring.since(reader)
        unread = history[reader:]
        assert lost == max(0, len(unread) - capacity)
        np.testing.assert_array_equal(fresh, unread[lost:])
        reader = reader_after


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ParameterError):
        RingBuffer(0, 1)
