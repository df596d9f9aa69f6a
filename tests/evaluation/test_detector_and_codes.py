"""Tests of the unknown detector's figures and the code figures on hand-made outcomes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musictagger.evaluation import detector, identity, recognition
from musictagger.evaluation.compare import paired_test
from musictagger.evaluation.devset import DevClip
from musictagger.evaluation.outcomes import Outcome
from musictagger.model.recognition import RecognitionPolicy
from musictagger.model.verdict import NOT_MUSIC, Verdict, not_one_of

LABELS = ("pop", "rock")


def outcome(
    genre: str | None, *, reason: str = "", code: int = 0, relaxed: float = 0.5, confidence: float = 0.5
) -> Outcome:
    """An outcome with ``genre`` (``None``: unknown for ``reason``), its best probability ``confidence``
    and the 4-bit code ``code``."""
    if genre is None:
        verdict = Verdict("unknown", None, "rock", confidence, reason or not_one_of(LABELS))
    else:
        verdict = Verdict("genre", genre, genre, confidence)
    bits = np.array([(code >> (3 - i)) & 1 for i in range(4)], dtype=np.uint8)
    relaxed_code = bits * 0.6 + 0.2 + relaxed * 0.01
    return Outcome(np.array([confidence, 1.0 - confidence]), bits, relaxed_code, verdict, relaxed_code[None])


def test_in_vocabulary_counts_unknown_as_wrong_overall_only() -> None:
    outcomes = [outcome("rock"), outcome(None), outcome("rock"), outcome("pop")]
    figures = detector.in_vocabulary(outcomes, ["rock", "rock", "pop", "pop"], tag_threshold=0.6, n_resamples=200)
    assert figures["tracks"] == 4
    assert figures["kept"] == {"count": 3, "total": 4}
    assert figures["kept_share"].point == pytest.approx(0.75)
    assert figures["accuracy_kept"].point == pytest.approx(2 / 3)  # rock right, rock wrong (pop), pop right
    assert figures["accuracy_overall"].point == pytest.approx(2 / 4)


def test_in_vocabulary_accuracy_among_none_kept_is_undefined() -> None:
    figures = detector.in_vocabulary([outcome(None), outcome(None)], ["rock", "pop"], tag_threshold=0.6, n_resamples=50)
    assert np.isnan(figures["accuracy_kept"].point) and np.isnan(figures["accuracy_kept"].low)
    assert figures["written"] == {"count": 0, "total": 2} and np.isnan(figures["accuracy_written"].point)
    assert figures["accuracy_overall"].point == 0.0


def test_tag_writes_only_genre_verdicts_at_the_threshold() -> None:
    outcomes = [
        outcome("rock", confidence=0.9),  # written, right
        outcome("pop", confidence=0.6),  # written (at the threshold), wrong
        outcome("rock", confidence=0.59),  # below the threshold
        outcome(None, confidence=0.95),  # unknown: never written, however probable its nearest genre
    ]
    figures = detector.in_vocabulary(outcomes, ["rock", "rock", "rock", "rock"], tag_threshold=0.6, n_resamples=50)
    assert figures["written"] == {"count": 2, "total": 4}
    assert figures["accuracy_written"].point == pytest.approx(0.5)
    assert detector.in_vocabulary(outcomes, ["rock"] * 4, tag_threshold=0.95, n_resamples=50)["written"]["count"] == 0


def test_dev_set_counts_per_genre_add_up() -> None:
    def clip(genre: str, expected: str | None, i: int) -> DevClip:
        return DevClip(Path(f"/dev/{genre}/{genre}.{i}.mp3"), genre, expected)

    results = [
        (clip("blues", None, 1), outcome(None)),
        (clip("blues", None, 2), outcome("rock", confidence=0.8)),
        (clip("rock", "rock", 1), outcome("rock", confidence=0.7)),
        (clip("rock", "rock", 2), outcome(None, reason=NOT_MUSIC)),
        (clip("pop", "pop", 1), outcome("rock", confidence=0.65)),
    ]
    figures = detector.dev_set(results, tag_threshold=0.6)
    assert figures["clips"] == 5
    assert figures["out_of_vocabulary_refused"] == {"count": 1, "total": 2}
    assert figures["in_vocabulary_kept"] == {"count": 2, "total": 3}
    assert figures["in_vocabulary_expected_genre"] == {"count": 1, "total": 3}
    assert figures["out_of_vocabulary_written"] == {"count": 1, "total": 2}  # the blues clip called rock at 0.8
    assert figures["in_vocabulary_written"] == {"count": 2, "total": 3}
    assert figures["in_vocabulary_written_right"] == {"count": 1, "total": 3}
    rows = {row["genre"]: row for row in figures["per_genre"]}
    assert rows["blues"] == {
        "genre": "blues",
        "expected": None,
        "clips": 2,
        "refused": 1,
        "not_music": 0,
        "expected_genre": 0,
        "written": 1,
    }
    assert (rows["rock"]["refused"], rows["rock"]["not_music"], rows["rock"]["expected_genre"]) == (1, 1, 1)
    assert (rows["pop"]["refused"], rows["pop"]["expected_genre"]) == (0, 0)
    assert sum(row["clips"] for row in figures["per_genre"]) == figures["clips"]
    assert figures["verdicts"][3] == {
        "file": "rock/rock.2.mp3",
        "expected": "rock",
        "verdict": "not music",
        "confidence": 0.5,
    }


def test_non_music_figures_tell_not_music_from_other_refusals() -> None:
    results = [("hum #1", outcome(None, reason=NOT_MUSIC)), ("tone #1", outcome(None)), ("babble #1", outcome("pop"))]
    figures = detector.non_music_figures(results, seed=2, sample_rate=44100)
    assert figures["seed"] == 2 and figures["sample_rate"] == 44100 and figures["sounds"] == 3
    assert figures["refused"] == {"count": 2, "total": 3}
    assert figures["not_music"] == {"count": 1, "total": 3}
    assert [v["verdict"] for v in figures["verdicts"]] == ["not music", "unknown", "pop"]


def test_distinct_codes_and_codes_shared_by_non_music() -> None:
    tracks = [outcome("rock", code=c) for c in (1, 2, 2, 3, 3, 3)]
    # 3 is a track's; 8 shared by two hums, 9 by a tone and a sweep; 7 its own
    codes = {"tone #1": 3, "tone #2": 7, "hum #1": 8, "hum #2": 8, "tone #3": 9, "sweep #1": 9}
    figures = identity.distinct_codes(tracks, [(name, outcome(None, code=c)) for name, c in codes.items()])
    assert figures["tracks"] == 6 and figures["distinct_codes"] == 3
    assert figures["unique_tracks"] == 1 and figures["unique_share"] == pytest.approx(1 / 6)
    assert figures["largest_group"] == 3
    assert figures["non_music"] == {
        "sounds": 6,
        "sharing_with_tracks": 1,
        "sharing_with_other_kinds": 2,
        "sharing": {"count": 3, "total": 6},
        "sharing_own_kind": {"count": 2, "total": 6},
    }
    assert identity.distinct_codes(tracks, [])["non_music"] is None


def test_same_track_counts_queries_within_the_cut_off() -> None:
    database = [outcome("rock", code=c) for c in (0, 3, 12, 15)]
    # Query 0 has its own item's code; query 1 (own item 1, code 3) has code 15: ranked second, after item 3.
    queries = [outcome("rock", code=0), outcome("rock", code=15)]
    first = identity.same_track(queries, database, [0, 1], within=1, n_resamples=100)
    assert first["queries"] == 2 and first["database"] == 4 and first["within"] == 1
    assert first["found"].point == pytest.approx(0.5)
    assert identity.same_track(queries, database, [0, 1], within=3, n_resamples=100)["found"].point == 1.0


def test_paired_test_pairs_the_tracks_both_models_have() -> None:
    def predictions(answers: dict[str, str]) -> dict:
        return {"predictions": [{"file": f, "true": "rock", "predicted": a, "verdict": a} for f, a in answers.items()]}

    first = predictions({"a": "rock", "b": "rock", "c": "pop", "d": "rock"})
    second = predictions({"a": "pop", "b": "rock", "c": "rock", "e": "rock"})
    # Shared tracks a, b, c: only the first right on a, only the second on c.
    test = paired_test(first, second, "predicted")
    assert (test["tracks"], test["only_first_right"], test["only_second_right"]) == (3, 1, 1)
    assert test["p_exact"] == pytest.approx(1.0)


def test_the_recognition_policy_names_at_most_the_share_of_absent_songs_chosen() -> None:
    """``musictagger recognition`` chooses when live listening names a track; the songs the library does not hold,
    searched for, must come out named no more often than the share asked, and a first match with no other music
    listed after it only under ``within``."""
    rng = np.random.default_rng(0)
    for size, share in ((159, 0.05), (40, 0.025), (7, 0.5)):
        distance = rng.gamma(9.0, 0.15, size)
        other = distance + rng.gamma(2.0, 0.2, size)
        other[::5] = np.nan  # no other music listed
        absent = recognition.Searches(distance, other)
        chosen = recognition.choose_policy(absent, share)
        within, margin = chosen.within, chosen.margin
        named = absent.named(chosen)
        looser = absent.named(RecognitionPolicy(within * (1 + 1e-9), margin * (1 + 1e-9)))
        assert np.count_nonzero(named) <= int(share * size) < np.count_nonzero(looser)
        alone = np.isnan(other)
        assert np.array_equal(named[alone], distance[alone] < within)


def test_the_share_holds_where_the_margin_times_the_other_music_rounds_above_the_distance() -> None:
    """0.7 / 1.2 * 1.2 is 0.7000000000000001: the ratio chosen, multiplied back as the policy does, named the very
    song it was the ratio of, one more than the share (none of four, at 10 %)."""
    absent = recognition.Searches(np.array([0.7, 2.0, 2.0, 2.0]), np.array([1.2, 3.0, 3.0, 3.0]))
    chosen = recognition.choose_policy(absent, 0.1)
    assert not absent.named(chosen).any()
    assert not chosen.recognises(0.7, 1.2)


def test_a_near_first_match_is_named_only_well_nearer_than_the_next_other_music() -> None:
    """A room's capture lies as far from its track as a song the library does not hold lies from its nearest track;
    what tells them apart is the next match: far for the capture, as near for the song."""
    policy = RecognitionPolicy(within=1.3, margin=0.75)
    assert policy.recognises(1.0, 1.5) and not policy.recognises(1.0, 1.2)
    assert policy.recognises(1.0, None) and not policy.recognises(1.3, None)  # no other music: within alone
    assert RecognitionPolicy(within=1.3).recognises(1.0, 1.01)  # a policy chosen before the margin


def test_the_first_match_is_the_search_order_s_and_its_copy_is_no_other_music() -> None:
    """A query searches as the library does (Hamming shortlist, then relaxed distance); left out, its own track is
    not the first match.  A copy of the first match (the same music) is not the other music it is told from."""
    tracks = [outcome("rock", code=code) for code in (0b0011, 0b0110, 0b1100, 0b0110)]
    database = recognition.Database(
        np.stack([t.bits for t in tracks]), np.stack([t.relaxed for t in tracks])[:, None, :], match_bits=4
    )
    query = outcome("rock", code=0b0110, relaxed=0.7)
    held, without = database.first_matches(query, leave_out=1)
    assert held.track == 1 and held.distance == pytest.approx(0.004)  # 0.002 a bit apart, four bits
    assert held.other_music == pytest.approx(np.hypot(0.6, 0.6), abs=0.01)  # two bits off, not the copy (3)
    assert without.track == 3 and without.distance == pytest.approx(0.004)  # the copy, when the track is left out
    assert database.first_matches(query)[1] is None
