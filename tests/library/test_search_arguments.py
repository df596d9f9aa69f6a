"""find_similar's arguments as a script gives them."""

from __future__ import annotations

import numpy as np
import pytest

from musictagger.errors import ParameterError
from musictagger.library import CodeIndex
from musictagger.model import codes


def test_no_bits_to_compare_is_refused_not_taken_for_all() -> None:
    """``match_bits=0`` compared all 64 bits, as None does, where 65 was refused."""
    relaxed = np.random.default_rng(2).random((8, 64), dtype=np.float32)
    bits = codes.binarize(relaxed)
    index = CodeIndex(np.arange(1, 9), codes.pack(bits), 64)

    def nearest(match_bits: int | None) -> list:
        return index.nearest(bits[0], relaxed[0], k=3, relaxed_codes=lambda rows: relaxed[rows], match_bits=match_bits)

    assert nearest(None) and nearest(64) == nearest(None)
    for bad in (0, -1, 65):
        with pytest.raises(ParameterError, match=f"cannot compare {bad} bits of 64-bit codes"):
            nearest(bad)
