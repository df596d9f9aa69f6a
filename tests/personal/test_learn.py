"""Learning the user's labels from a generated library: the survey, the cross-validated head, and
its predictions for held-back files through the real index and the real model."""

from __future__ import annotations

import dataclasses
import itertools
import sys
import unicodedata
import warnings
from collections import Counter
from pathlib import Path
from types import FrameType

import numpy as np
import pytest

from musictagger.cli.learn import format_report
from musictagger.library import Library
from musictagger.library.lookup import analyses_for
from musictagger.personal import store
from musictagger.personal.active import load_active_model
from musictagger.personal.learn import (
    LearnedModel,
    LearnError,
    TrainingSet,
    choose_threshold,
    fit_head,
    fit_temperature,
    learn,
)
from musictagger.personal.vocabulary import normalise, preferred_spelling, survey
from musictagger.tags.labels import names_label, spellings_in
from tests.personal.library import LABEL_OF, StyleLibrary


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        ("Hip-Hop", ("hiphop",)),
        ("hip hop", ("hiphop",)),
        ("HipHop", ("hiphop",)),
        ("Rock/Pop", ("rock", "pop")),
        ("rock; pop", ("rock", "pop")),
        ("(17)", ("rock",)),
        ("17", ("rock",)),
        ("Drum & Bass", ("drumandbass",)),
        ("  ", ()),
        # Discogs' genre, which its taggers write: one label, not Folk, World and "& Country"
        ("Folk, World, & Country", ("folkworldandcountry",)),
        ("Rock; Folk, World, & Country", ("rock", "folkworldandcountry")),
        ("Electronic, Folk, World & Country", ("electronic", "folkworldandcountry")),
    ],
)
def test_normalise_merges_spellings_splits_lists_and_names_id3_numbers(raw: str, keys: tuple[str, ...]) -> None:
    assert normalise(raw) == keys


def test_a_label_whose_accents_a_mac_decomposed_is_the_label_typed() -> None:
    """Tags filled on a Mac from file names (Électro, its accent decomposed: NFD) beside tags typed (composed, NFC):
    learn made two labels that look alike, and the Library tab said a file tagged one differs from a proposal of
    the other."""
    decomposed, composed = (unicodedata.normalize(form, "Électro House") for form in ("NFD", "NFC"))
    assert normalise(decomposed) == normalise(composed) == ("électrohouse",)
    assert spellings_in(decomposed) == [composed]  # the label is named as typed
    assert names_label(decomposed, composed) and names_label(composed, unicodedata.normalize("NFD", "électro"))


@pytest.mark.parametrize("order", list(itertools.permutations(["ambient", "AMBIENT", "Ambient"])))
def test_a_label_spelt_as_often_in_several_cases_is_named_capitalised(order: tuple[str, ...]) -> None:
    """The walk's library: Ambient, ambient and AMBIENT on four tracks each, Rock, rock and ROCK too; the
    label was named by whichever spelling the index listed first, "ambient" beside "Rock"."""
    spellings = Counter({text: 4 for text in order})
    assert preferred_spelling(spellings) == "Ambient"
    assert preferred_spelling(Counter({**spellings, "ambient": 5})) == "ambient"  # the commonest wins still
    assert preferred_spelling(Counter({"Drum-and-Bass": 2, "drum and bass": 2, "Drum & Bass": 2})) == "Drum & Bass"


def test_survey_keeps_labels_merges_spellings_and_reports_the_small_ones(indexed_styles: StyleLibrary) -> None:
    with Library() as library:
        found = survey(library, min_per_label=3)
    assert found.labels == {"Ambient": 4, "Hip-Hop": 4, "Drum & Bass": 4}
    assert found.spellings["Hip-Hop"] == ("Hip-Hop", "HipHop", "hip hop")
    assert found.spellings["Drum & Bass"] == ("Drum & Bass", "Drum-and-Bass", "drum and bass")
    assert found.excluded == {"Jazz": "1 track (needs 3)", "Rock": "1 track (needs 3)"}
    assert (found.tracks["Jazz"], found.tracks["Hip-Hop"]) == (1, 4)  # excluded labels are counted too
    assert (found.tagged_tracks, found.untagged_tracks, found.missing_embeddings) == (12, 6, 0)


def test_learnt_model_predicts_held_back_files_in_the_users_spelling(indexed_styles: StyleLibrary) -> None:
    steps: list[tuple[float, str]] = []
    with Library() as library:
        learned = learn(library, min_per_label=3, name="mine", on_progress=lambda f, text: steps.append((f, text)))
    assert set(learned.labels) == set(LABEL_OF.values())
    assert learned.report.folds >= 2 and learned.report.accuracy == 1.0
    assert [score.support for score in learned.report.per_label] == [4, 4, 4]
    assert steps[-1] == (1.0, "saved") and all(a[0] <= b[0] for a, b in itertools.pairwise(steps))
    assert learned.path.is_file() and store.active_model() is None  # saved, not activated

    store.use("mine")
    with Library() as library:
        results = analyses_for(library, list(indexed_styles.held.values()))
        judged = library.judge(store.load_head("mine"))
    assert {style: results[str(path)].genre for style, path in indexed_styles.held.items()} == LABEL_OF
    assert judged == 19  # every indexed track, from its stored embedding
    analysis = load_active_model().analyze_file(indexed_styles.held["chimes"])  # base model, then the head
    assert analysis.genre == "Drum & Bass" and analysis.ranking[0].label == "Drum & Bass"


def test_the_unknown_verdict_withholds_a_label_below_the_threshold(indexed_styles: StyleLibrary) -> None:
    with Library() as library:
        learn(library, min_per_label=3, name="strict")
        record = library.record(indexed_styles.held["beats"])
    assert record.analysis.through(store.load_head("strict")).genre == "Hip-Hop"
    strict = dataclasses.replace(store.load_head("strict"), threshold=1.01)
    analysis = record.analysis.through(strict)
    assert analysis.genre is None and analysis.unknown
    assert analysis.verdict.reason == "not one of: Ambient, Hip-Hop, Drum & Bass"
    assert analysis.verdict.nearest == "Hip-Hop"


def test_threshold_is_the_lowest_confidence_whose_proposals_are_right_often_enough() -> None:
    confidence = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.35, 0.3])
    correct = np.array([1, 1, 1, 1, 1, 0, 1, 0, 0, 0], dtype=bool)
    assert choose_threshold(confidence, correct) == 0.5  # 6 of the 7 above it are right
    assert choose_threshold(confidence, np.ones(10, dtype=bool)) == 0.0  # always right: never unknown


def test_learning_with_fewer_than_two_labels_says_what_to_do(indexed_styles: StyleLibrary) -> None:
    with Library() as library, pytest.raises(LearnError, match=r"need at least two genre labels.*found 0"):
        learn(library, min_per_label=50)


def test_music_unlike_every_learnt_label_is_not_given_one(indexed_styles: StyleLibrary) -> None:
    """The audit's case: a model of two styles called the third one of them at 1.00 (its folds separate
    perfectly, so the temperature collapsed and the threshold was 0); the third is unlike both."""
    with Library() as library:
        learned = learn(library, min_per_label=3, exclude=["Drum & Bass"], name="two")
        records = {style: library.record(path) for style, path in indexed_styles.held.items()}
    head = store.load_head("two")
    assert learned.report.accuracy == 1.0 and head.temperature > 0.5 and head.novelty_radius > 0
    assert records["beats"].analysis.through(head).genre == "Hip-Hop"  # what it learnt keeps its label
    assert records["ambient"].analysis.through(head).verdict.nearest == "Ambient"
    chimes = records["chimes"].analysis.through(head)
    assert chimes.genre is None and chimes.verdict.reason == "not one of: Ambient, Hip-Hop"
    assert chimes.verdict.confidence < 0.5 and sum(chimes.probabilities.values()) < 0.5
    assert store.read_sidecar("two")["novelty_radius"] == head.novelty_radius


def test_a_label_whose_tracks_are_all_by_one_artist_is_learnt_and_measured() -> None:
    """A small library's case: Rock by two artists, Classical by Bach alone.  The fold that holds Bach out
    trains on Rock alone, which the logistic regression refused with a traceback; it now calls every
    held-out track Rock, and the head learns both labels from all the tracks."""
    rng = np.random.default_rng(0)
    y = np.array([0] * 6 + [1] * 3)
    x = rng.normal(size=(9, 16)) + 4.0 * y[:, None]  # two clearly apart clusters
    data = TrainingSet(
        x=x,
        y=y,
        groups=np.array(["rock band"] * 5 + ["v1 artist"] + ["bach"] * 3),
        label_sets=[frozenset({int(label)}) for label in y],
        labels=("Rock", "Classical"),
    )
    head, report = fit_head(data, name="mine", base_model_id="base", on_progress=lambda fraction, text: None)
    assert report.folds == 3
    assert [score.label for score in report.per_label] == ["Rock", "Classical"]
    assert [score.recall for score in report.per_label] == [1.0, 0.0]  # Bach's tracks held out: called Rock
    assert head.labels == ("Rock", "Classical") and np.all(np.isfinite(head.weights))


def lounge_of_one_artist(lounge_tracks: int = 5) -> tuple[TrainingSet, np.ndarray]:
    """Three labels apart, one (Lounge, of ``lounge_tracks``) by one artist, and the labels' centres."""
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1, 2], [12, 12, lounge_tracks])
    centres = 6.0 * np.eye(3, 16)
    x = rng.normal(size=(len(y), 16)) + centres[y]
    groups = np.array(
        [f"rock {i % 4}" for i in range(12)] + [f"jazz {i % 4}" for i in range(12)] + ["lonely"] * lounge_tracks
    )
    return TrainingSet(x, y, groups, [frozenset({int(label)}) for label in y], ("Rock", "Jazz", "Lounge")), centres


def test_a_label_of_one_artist_leaves_the_others_confident_and_is_said_not_measured() -> None:
    """The walk's case: three labels apart, one (Lounge) by one artist.  The fold holding that artist out
    never learnt Lounge and gave it a score it never wins; fitted on those tracks too, the temperature went
    to its ceiling (50), so every proposal, of Rock and Jazz too, came out near 1/3 ("0.27 ?"), and the
    report said it "cannot tell Lounge from the others"."""
    data, centres = lounge_of_one_artist()

    head, report = fit_head(data, name="mine", base_model_id="base", on_progress=lambda fraction, text: None)

    assert head.probabilities(centres).max(axis=1).min() > 0.9  # each label's own music, called so surely
    assert [score.measured for score in report.per_label] == [True, True, False]
    assert report.unmeasured == (
        "was never measured on Lounge: its 5 tracks are all by one artist, and it is measured only on artists it "
        "did not learn from (tag tracks of another artist to measure it)",
    )
    assert not report.indistinguishable and not any(text.startswith("often mixes Lounge") for text in report.confusions)
    learned = LearnedModel("mine", "genre", data.labels, {}, report, "base", Path("mine.json"))
    assert "Lounge  5       -          -       -" in format_report(learned).splitlines()  # not "0.00  0.00  0.00"


def test_a_label_of_one_track_is_said_so_without_a_library_warning() -> None:
    """`learn --min-per-label 1` with a label of a single track printed scikit-learn's "UserWarning: The least
    populated class in y has only 1 members, which is less than n_splits=2." with its source line, and then "its
    1 tracks are all by one artist".  Two folds over a label of one track are what the head means to make (the fold
    without it gives it a score it never wins), so the warning says nothing to the user; the report says "its 1
    track"."""
    data, _centres = lounge_of_one_artist(lounge_tracks=1)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _head, report = fit_head(data, name="mine", base_model_id="base", on_progress=lambda fraction, text: None)

    assert report.unmeasured == (
        "was never measured on Lounge: its 1 track is by one artist, and it is measured only on artists it "
        "did not learn from (tag tracks of another artist to measure it)",
    )


def test_learning_leaves_the_warning_filters_of_the_threads_beside_it_alone() -> None:
    """The learning run silenced scikit-learn's warning of a label of one track with ``warnings.catch_warnings``,
    which swaps the filters of the whole process while it lasts: the window's learning worker thread dropped a filter
    another thread set meanwhile, and two such blocks at once left one's filter behind.  The folds are now made without
    the warning, so the filters scikit-learn's splitter meets are the process's own, untouched."""
    data, _centres = lounge_of_one_artist(lounge_tracks=1)
    fit_head(data, name="mine", base_model_id="base", on_progress=lambda fraction, text: None)  # its imports' filters
    before, seen = list(warnings.filters), []

    def watch(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call" and frame.f_code.co_name == "_iter_test_indices":  # the splitter, making the folds
            seen.append(list(warnings.filters))

    sys.setprofile(watch)
    try:
        fit_head(data, name="mine", base_model_id="base", on_progress=lambda fraction, text: None)
    finally:
        sys.setprofile(None)

    assert seen and all(filters == before for filters in seen)


def test_accuracy_and_macro_f1_are_those_of_the_labels_it_was_measured_on() -> None:
    """Lounge's tracks, held out by the one fold that never learnt Lounge, could only be called something else:
    counted in, they made a model right on every track it was measured on report accuracy 0.83 and macro-F1 0.67,
    beside a table that shows Lounge's scores as '-' (not measured)."""
    data, _centres = lounge_of_one_artist()

    _head, report = fit_head(data, name="mine", base_model_id="base", on_progress=lambda fraction, text: None)

    assert [(score.recall, score.measured) for score in report.per_label] == [(1.0, True), (1.0, True), (0.0, False)]
    assert (report.accuracy, report.macro_f1) == (1.0, 1.0)
    assert [score.precision for score in report.per_label[:2]] == [1.0, 1.0]  # no Lounge track counted as Rock
    learned = LearnedModel("mine", "genre", data.labels, {}, report, "base", Path("mine.json"))
    assert "accuracy 1.00, macro-F1 1.00 (of the labels it was measured on);" in " ".join(
        format_report(learned).split()
    )


def test_temperature_of_separable_folds_does_not_collapse() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 50)
    logits = np.zeros((100, 2))
    logits[np.arange(100), y] = rng.uniform(4.0, 12.0, 100)  # every out-of-fold answer right
    temperature = fit_temperature(logits, y)
    assert temperature > 1.0
    weakest = np.exp(4.0 / temperature) / (1.0 + np.exp(4.0 / temperature))
    assert 0.8 < weakest < 0.99  # the least sure right answer is not called certain
    with_errors = logits.copy()
    with_errors[:10] = with_errors[:10, ::-1]  # 10 % wrong: a fitted temperature, as before
    assert fit_temperature(with_errors, y) > temperature


def test_a_label_found_only_beside_a_commoner_one_is_left_out_with_the_reason(indexed_styles: StyleLibrary) -> None:
    """Rock is only in "HipHop/Rock", and that track is learnt as Hip-Hop: kept, it had no track to learn from."""
    with Library() as library:
        found = survey(library, min_per_label=1)
        learned = learn(library, min_per_label=1, exclude=["Jazz"], name="all")
    assert found.excluded == {"Rock": "1 track, all also tagged Hip-Hop (needs 1 of its own)"}
    assert set(found.labels) == {"Ambient", "Hip-Hop", "Drum & Bass", "Jazz"} and found.track_labels
    assert learned.counts == {"Ambient": 4, "Hip-Hop": 4, "Drum & Bass": 4}
    assert store.read_sidecar("all")["excluded"] == {"Jazz": "excluded by you", **found.excluded}


def test_a_model_deleted_while_it_is_being_loaded_gives_way_to_the_one_active_after(
    indexed_styles: StyleLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window reloads its model in another process: deleting the active personal model between that
    process reading which model is active and loading it must load the shipped model, not fail."""
    with Library() as library:
        learn(library, min_per_label=3, name="mine")
    store.use("mine")
    real_load_head = store.load_head

    def deleted_meanwhile(name: str):
        store.delete(name)  # the Models dialog, in the window's process, at this very moment
        return real_load_head(name)

    monkeypatch.setattr(store, "load_head", deleted_meanwhile)
    model = load_active_model()

    assert model.head is None and store.active_model() is None and store.list_models() == []


def test_a_model_measured_on_no_label_gives_no_accuracy() -> None:
    """Each label by one artist: every fold held out the one label it never learnt, and learn printed "accuracy
    0.00, macro-F1 0.00" for a model that may well tell the two apart."""
    rng = np.random.default_rng(2)
    y = np.repeat([0, 1], 6)
    x = rng.normal(size=(12, 16)) + 6.0 * np.eye(2, 16)[y]
    data = TrainingSet(
        x, y, np.array(["bach"] * 6 + ["miles"] * 6), [frozenset({int(v)}) for v in y], ("Baroque", "Jazz")
    )

    _head, report = fit_head(data, name="mine", base_model_id="base", on_progress=lambda fraction, text: None)

    assert not any(score.measured for score in report.per_label)
    learned = LearnedModel("mine", "genre", data.labels, {}, report, "base", Path("mine.json"))
    text = " ".join(format_report(learned).split())
    assert "no accuracy, as it was measured on no label (see below);" in text and "accuracy 0.00" not in text
