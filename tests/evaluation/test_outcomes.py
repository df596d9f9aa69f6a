"""Tests of musictagger.evaluation.outcomes: the views of a track, and analysing each file once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musictagger.audio.decode import decode_mono
from musictagger.collection import Track
from musictagger.errors import MusictaggerError
from musictagger.evaluation.outcomes import (
    Failure,
    Outcome,
    analyse_each,
    analyse_track,
    heard_in_room,
    later_window,
    room_rng,
)
from musictagger.model.runtime import GenreModel
from tests.audio.signals import channels_of, music
from tests.model.variants import shipped_model


@pytest.mark.parametrize(
    ("n_samples", "expected"),
    [(70, (30, 50)), (50, (30, 50)), (45, (25, 45)), (40, (20, 40)), (39, None)],
)
def test_later_window_starts_at_start_or_ends_at_the_end_without_overlapping_the_first(
    n_samples: int, expected: tuple[int, int] | None
) -> None:
    y = np.arange(n_samples)
    window = later_window(y, window=20, start=30)
    if expected is None:
        assert window is None
    else:
        np.testing.assert_array_equal(window, np.arange(*expected))


def test_room_rng_depends_on_the_seed_and_the_track_only() -> None:
    track, other = Track(Path("/a/rock/1.mp3"), "rock/1.mp3", 0), Track(Path("/b/rock/1.mp3"), "rock/2.mp3", 0)
    draw = room_rng(0, track).random(4)
    np.testing.assert_array_equal(draw, room_rng(0, Track(Path("/elsewhere"), "rock/1.mp3", 1)).random(4))
    assert not np.array_equal(draw, room_rng(1, track).random(4))
    assert not np.array_equal(draw, room_rng(0, other).random(4))


def test_heard_in_room_is_the_slice_through_the_room_drawn_for_the_track_and_seed() -> None:
    track, other = Track(Path("/a/rock/1.mp3"), "rock/1.mp3", 0), Track(Path("/a/rock/2.mp3"), "rock/2.mp3", 0)
    y = music(sr=16000, seconds=6.0)
    heard = heard_in_room(track, y, 16000, seed=0, start=16000, length=32000)
    assert heard.shape == (32000,)
    np.testing.assert_array_equal(heard, heard_in_room(track, y, 16000, seed=0, start=16000, length=32000))
    assert not np.allclose(heard, heard_in_room(other, y, 16000, seed=0, start=16000, length=32000))
    assert not np.allclose(heard, heard_in_room(track, y, 16000, seed=1, start=16000, length=32000))
    # the room is applied to the slice, not the slice cut from a room applied to the whole
    assert not np.allclose(heard, heard_in_room(track, y, 16000, seed=0, length=48000)[16000:])


def test_analyse_each_collects_failures_and_goes_on() -> None:
    def analyse(item: int) -> int:
        if item == 2:
            raise MusictaggerError("two is not allowed")
        return item * 10

    done, failures = analyse_each([1, 2, 3], analyse, name=lambda item: f"item {item}", desc="test")
    assert done == [(1, 10), (3, 30)]
    assert failures == [Failure("item 2", "two is not allowed")]
    with pytest.raises(ZeroDivisionError):  # a bug is not a failed file
        analyse_each([0], lambda item: 1 // item, name=str, desc="test")


@pytest.fixture(scope="module")
def model() -> GenreModel:
    return GenreModel(shipped_model())


def test_analyse_track_gives_the_library_analysis_and_the_query_views(model: GenreModel, tmp_path: Path) -> None:
    path = tmp_path / "rock" / "1.wav"
    path.parent.mkdir()
    sf.write(path, channels_of(music(sr=22050, seconds=61.0), 2).T, 22050)  # stereo, another rate
    track = Track(path, "rock/1.wav", 0)

    outcomes = analyse_track(model, track, query=True, n_windows=1, room_seed=0)

    library = Outcome.of(model.analyze_file(path, n_windows=1))
    np.testing.assert_array_equal(outcomes.library.bits, library.bits)
    np.testing.assert_allclose(outcomes.library.probabilities, library.probabilities, rtol=1e-6)
    assert outcomes.room_capture is not None and outcomes.later_window is not None
    views = (outcomes.first_window, outcomes.room_capture, outcomes.later_window)
    assert all(view.bits.shape == (model.manifest.bits,) for view in views)
    assert not np.allclose(outcomes.room_capture.relaxed, outcomes.first_window.relaxed)  # the room changed it
    # the capture the benches ask (heard_in_room on the decoded track) is the evaluation's query
    params = model.manifest.front_end
    heard = heard_in_room(
        track,
        decode_mono(path, sr=params.sample_rate),
        params.sample_rate,
        seed=0,
        length=params.window_frames * params.hop_length,
    )
    asked = model.analyze_signal(heard, sr=params.sample_rate, n_windows=1)
    np.testing.assert_allclose(asked.relaxed_code, outcomes.room_capture.relaxed, atol=1e-6)


def test_analyse_track_of_a_database_only_track_has_no_queries(model: GenreModel, tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    sf.write(path, music(sr=16000, seconds=8.0), 16000)
    outcomes = analyse_track(model, Track(path, "short.wav", 0), query=False, n_windows=1, room_seed=0)
    assert outcomes.room_capture is None and outcomes.later_window is None
    # A track shorter than a window is its own first window.
    np.testing.assert_allclose(outcomes.first_window.relaxed, outcomes.library.relaxed, rtol=1e-5)
