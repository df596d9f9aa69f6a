"""What an evaluation reports: the headline figures with their data and goals, the Markdown
report, and the figures recorded in the model's sidecar.

:data:`FIGURES` is the one list of headline figures.  The report's headline table, the
comparison of several models (:mod:`musictagger.evaluation.compare`) and ``--record`` all
read it, so a figure is named, described and given its goal in one place.  Everything here
reads the JSON-ready result of :func:`musictagger.evaluation.evaluate.evaluate`, so saved
reports can be rendered and compared again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from musictagger.evaluation.nonmusic import CHOICE_RATE, CHOICE_SEED, seed_and_rate

Result = dict[str, Any]

# Groups of figures by the data they are measured on; the split group is named after the split.
SPLIT, DEV_SET, NON_MUSIC, CODES = "split", "dev-set", "non-music", "codes"
SAME_TRACK, SAME_TRACK_SPLIT = "same-track", "same-track-split"


@dataclass(frozen=True)
class Figure:
    """One headline figure: its key in the sidecar, its label, the data group it is measured
    on, how to read it from a result (``None`` when not measured), and the goal, if any."""

    key: str
    label: str
    group: str
    value: Callable[[Result], Any]
    goal: str = ""


def _section(*path: str) -> Callable[[Result], Any]:
    """A reader of ``result[path[0]][path[1]]…``, ``None`` where a section was not measured."""

    def read(result: Result) -> Any:
        value: Any = result
        for key in path:
            if value is None:
                return None
            value = value[key]
        return value

    return read


FIGURES: tuple[Figure, ...] = (
    Figure(
        "accuracy", "accuracy (best genre of the probabilities)", SPLIT, _section("accuracy"), "≥ 0.80 (moonshot 0.90)"
    ),
    Figure("macro_f1", "macro-F1", SPLIT, _section("macro_f1")),
    Figure("map", "genre MAP, Hamming ranking against the train split", SPLIT, _section("map"), "≥ 0.78"),
    Figure("ece", "expected calibration error (10 bins)", SPLIT, _section("calibration", "ece"), "≤ 0.05"),
    Figure(
        "ece_if_calibrated",
        "ECE a perfectly calibrated model with these confidences would show on as many tracks (mean)",
        SPLIT,
        _section("calibration", "ece_if_calibrated", "mean"),
    ),
    Figure(
        "ece_p_value",
        "share of those draws with an ECE at least the model's (small: miscalibrated)",
        SPLIT,
        _section("calibration", "ece_if_calibrated", "p_value"),
    ),
    Figure("nll", "negative log-likelihood", SPLIT, _section("calibration", "nll")),
    Figure("brier", "Brier score", SPLIT, _section("calibration", "brier")),
    Figure(
        "kept_share", "tracks that keep a genre", SPLIT, _section("unknown_detector", "in_vocabulary", "kept_share")
    ),
    Figure(
        "accuracy_kept",
        "accuracy among the tracks kept",
        SPLIT,
        _section("unknown_detector", "in_vocabulary", "accuracy_kept"),
    ),
    Figure(
        "accuracy_overall",
        "accuracy, unknown counted as wrong",
        SPLIT,
        _section("unknown_detector", "in_vocabulary", "accuracy_overall"),
    ),
    Figure(
        "written",
        "tracks `tag` would write a genre into, at the tagging threshold",
        SPLIT,
        _section("unknown_detector", "in_vocabulary", "written"),
    ),
    Figure(
        "accuracy_written",
        "accuracy among the tracks `tag` would write",
        SPLIT,
        _section("unknown_detector", "in_vocabulary", "accuracy_written"),
    ),
    Figure(
        "out_of_vocabulary_refused",
        "out-of-vocabulary clips refused",
        DEV_SET,
        _section("unknown_detector", "dev_set", "out_of_vocabulary_refused"),
        "≥ 0.80",
    ),
    Figure(
        "in_vocabulary_kept",
        "rock/metal/pop clips that keep a genre",
        DEV_SET,
        _section("unknown_detector", "dev_set", "in_vocabulary_kept"),
        "≥ 0.80",
    ),
    Figure(
        "in_vocabulary_expected_genre",
        "rock/metal/pop clips given the expected genre",
        DEV_SET,
        _section("unknown_detector", "dev_set", "in_vocabulary_expected_genre"),
    ),
    Figure(
        "out_of_vocabulary_written",
        "out-of-vocabulary clips `tag` would write a (wrong) genre into",
        DEV_SET,
        _section("unknown_detector", "dev_set", "out_of_vocabulary_written"),
    ),
    Figure(
        "in_vocabulary_written_right",
        "rock/metal/pop clips `tag` would write the expected genre into",
        DEV_SET,
        _section("unknown_detector", "dev_set", "in_vocabulary_written_right"),
    ),
    Figure("refused", "non-music refused", NON_MUSIC, _section("unknown_detector", "non_music", "refused"), "1.00"),
    Figure(
        "not_music", 'non-music called "not music"', NON_MUSIC, _section("unknown_detector", "non_music", "not_music")
    ),
    Figure(
        "codes_shared_by_unrelated_sounds",
        "non-music sounds sharing a code with a track or a sound of another kind",
        NON_MUSIC,
        _section("codes", "non_music", "sharing"),
        "0",
    ),
    Figure(
        "codes_shared_by_own_kind",
        "non-music sounds sharing a code only with another render of their own kind",
        NON_MUSIC,
        _section("codes", "non_music", "sharing_own_kind"),
    ),
    Figure("unique_share", "tracks whose code no other track has", CODES, _section("codes", "unique_share"), "≥ 0.99"),
    Figure("distinct_codes", "distinct codes", CODES, _section("codes", "distinct_codes")),
    Figure("largest_group", "most tracks sharing one code", CODES, _section("codes", "largest_group")),
    Figure(
        "room_capture_first",
        "room capture of the first window: own track ranked first",
        SAME_TRACK,
        _section("same_track", "room_capture", "found"),
        "≥ 0.90",
    ),
    Figure(
        "later_window_top10",
        "window from 30 s: own track in the top 10 of first windows",
        SAME_TRACK,
        _section("same_track", "later_window", "found"),
        "≥ 0.50",
    ),
    Figure(
        "room_capture_first_of_split",
        "room capture of the first window: own track ranked first",
        SAME_TRACK_SPLIT,
        _section("same_track", "of_split", "room_capture", "found"),
    ),
    Figure(
        "later_window_top10_of_split",
        "window from 30 s: own track in the top 10 of first windows",
        SAME_TRACK_SPLIT,
        _section("same_track", "of_split", "later_window", "found"),
    ),
)


def data_of(group: str, result: Result) -> str | None:
    """The data a group of figures was measured on, in words; ``None`` if it was not measured."""
    if group == SPLIT:
        return f"{result['split']} split, {result['tracks']} tracks"
    if group == DEV_SET:
        dev = result["unknown_detector"]["dev_set"]
        return (
            None if dev is None else f"dev set {dev['name']}, {dev['clips']} clips (the set thresholds are chosen on)"
        )
    if group == NON_MUSIC:
        sounds = result["unknown_detector"]["non_music"]
        return f"generated non-music, {_non_music_of(sounds)}, {sounds['sounds']} sounds"
    if group == CODES:
        return f"all {result['codes']['tracks']} tracks"
    if group == SAME_TRACK:
        return _same_track_data(result["same_track"], "tracks outside train")
    if group == SAME_TRACK_SPLIT:
        return _same_track_data(result["same_track"]["of_split"], f"{result['split']} tracks alone")
    raise ValueError(f"unknown group of figures {group!r}")


def _same_track_data(same: dict[str, Any] | None, asking: str) -> str | None:
    """The queries and database of the same-track figures, in words; ``None`` if there were no queries."""
    if same is None or same["room_capture"] is None:
        return None
    later = same["later_window"]["queries"] if same["later_window"] else 0
    return (
        f"queries: {same['room_capture']['queries']} {asking} ({later} long enough for a later window); "
        f"database: all {same['database_tracks']}"
    )


def _group_key(group: str, result: Result) -> str:
    """The group's key in the sidecar's ``metrics``: the split's name for the split group, and for the
    same-track figures of the split's queries ``same-track-<split>``."""
    if group == SAME_TRACK_SPLIT:
        return f"same-track-{result['split']}"
    return result["split"] if group == SPLIT else group


def fmt(value: Any) -> str:
    """A figure in a table cell: ``0.738 [0.637, 0.838]``, ``28/30``, ``0.412``, ``17``, ``—``."""
    if value is None:
        return "—"
    if isinstance(value, dict) and "ci95" in value:
        if value["value"] is None:
            return "—"
        low, high = (f"{bound:.3f}" if bound is not None else "?" for bound in value["ci95"])
        return f"{value['value']:.3f} [{low}, {high}]"
    if isinstance(value, dict) and "total" in value:
        return f"{value['count']}/{value['total']}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def headline(result: Result) -> dict[str, dict[str, Any]]:
    """The figures recorded in the model's sidecar, grouped by the data they were measured on;
    each group says which in its ``split`` entry (the split group keeps its old form)."""
    k_key = f"precision_at_{result['k']}"
    groups: dict[str, dict[str, Any]] = {
        result["split"]: {
            "split": result["split"],
            "tracks": result["tracks"],
            "database_tracks": result["database_tracks"],
            k_key: result[k_key],
        }
    }
    for figure in FIGURES:
        value = figure.value(result)
        if value is None:
            continue
        group = groups.setdefault(_group_key(figure.group, result), {"split": data_of(figure.group, result)})
        group[figure.key] = value
    return groups


def _headline_table(result: Result) -> list[str]:
    lines = ["| figure | measured on | value [95% CI] | goal |", "|---|---|---|---|"]
    for figure in FIGURES:
        data = data_of(figure.group, result) or "not measured"
        lines.append(f"| {figure.label} | {data} | {fmt(figure.value(result))} | {figure.goal} |")
    return lines


def _split_source(result: Result) -> str:
    """`` Splits: …`` (split files, or a drawn split that flatters the model), for a result that records it (those
    written before it was recorded have no such sentence)."""
    source = result.get("split_source")
    return f" Splits: {source}." if source else ""


def _genre_section(result: Result) -> list[str]:
    labels, k = result["labels"], result["k"]
    lines = [
        f"## Genres on the {result['split']} split",
        "",
        # the windows asked for are at most what a track gets: the app's windows never overlap
        # (audio.features.window_starts), so a one-minute track is analysed as two of three
        f"{result['tracks']} query tracks, each analysed as up to {result['windows_per_track']} windows that do not "
        "overlap (as many as fit in the track, as the app analyses it); genre retrieval database: "
        f"{result['database_tracks']} tracks of the {result['database_split']} split; {result['bits']}-bit codes. "
        f"Ranking: {result['ranking']}.{_split_source(result)}",
        "",
        "| metric | value [95% bootstrap CI] |",
        "|---|---|",
        f"| accuracy | {fmt(result['accuracy'])} |",
        f"| macro-F1 | {fmt(result['macro_f1'])} |",
        f"| MAP (Hamming ranking, whole database) | {fmt(result['map'])} |",
        f"| precision@{k} | {fmt(result[f'precision_at_{k}'])} |",
        "",
        "Confusion matrix (rows: true, columns: predicted):",
        "",
        "| | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    return lines + [
        f"| {label} | " + " | ".join(map(str, row)) + " |"
        for label, row in zip(labels, result["confusion_matrix"], strict=True)
    ]


def _calibration_section(result: Result) -> list[str]:
    calibration = result["calibration"]
    lines = [
        f"## Calibration on the {result['split']} split",
        "",
        f"Track probabilities after temperature scaling (T = {calibration['temperature']:g}), averaged over "
        f"windows; confidence is the best genre's probability. ECE {fmt(calibration['ece'])} (10 equal-width "
        f"bins), NLL {fmt(calibration['nll'])}, Brier score {fmt(calibration['brier'])}, mean confidence "
        f"{fmt(calibration['mean_confidence'])}.",
        "",
        *_calibrated_reference(calibration, result["tracks"]),
        "",
        "| confidence | tracks | mean confidence | accuracy |",
        "|---|---|---|---|",
    ]
    return lines + [
        f"| ({b['low']:.1f}, {b['high']:.1f}] | {b['count']} | {fmt(b['confidence'])} | {fmt(b['accuracy'])} |"
        for b in calibration["bins"]
        if b["count"]
    ]


def _calibrated_reference(calibration: dict[str, Any], tracks: int) -> list[str]:
    """The observed ECE beside a perfectly calibrated model's on as many tracks (absent from old results)."""
    reference = calibration.get("ece_if_calibrated")
    if reference is None:
        return []
    if reference["p_value"] >= 0.05:
        reading = "this split cannot tell the model's gap from chance"
    else:
        reading = "the gap is more than chance: the model is miscalibrated"
    return [
        f"The binned ECE is biased upward on few tracks: a perfectly calibrated model with these confidences "
        f"would show an ECE of {reference['mean']:.3f} on {tracks} tracks (95 % of draws below "
        f"{reference['high']:.3f}); {reference['p_value']:.0%} of its draws reach this model's "
        f"{calibration['ece']['value']:.3f}, so {reading}."
    ]


def _detector_section(result: Result) -> list[str]:
    detector = result["unknown_detector"]
    inside, sounds, dev = detector["in_vocabulary"], detector["non_music"], detector["dev_set"]
    policy = (
        f"Thresholds chosen on: {detector['chosen_on'] or 'not recorded'}."
        if detector["detects_unknown"]
        else "This model has no unknown detector: it gives every input one of its genres."
    )
    lines = [
        "## The unknown detector",
        "",
        policy,
        "",
        f"**In vocabulary** ({result['split']} split): {fmt(inside['kept'])} tracks keep a genre "
        f"({fmt(inside['kept_share'])}); accuracy among them {fmt(inside['accuracy_kept'])}, "
        f"overall with unknown counted as wrong {fmt(inside['accuracy_overall'])}.",
        *_written_sentence(inside, detector.get("tag_threshold")),
        "",
    ]
    if dev is None:
        lines += ["**Dev set**: not measured (no `--dev-set`).", ""]
    else:
        lines += [
            f"**Dev set** {dev['name']}: out-of-vocabulary clips refused {fmt(dev['out_of_vocabulary_refused'])}; "
            f"in-vocabulary clips that keep a genre {fmt(dev['in_vocabulary_kept'])}, with the expected genre "
            f"{fmt(dev['in_vocabulary_expected_genre'])}. The detector's thresholds are chosen on this set "
            "(see its README), so these figures are not held out; with five clips a genre, read counts, not rates.",
            *_dev_written_sentence(dev, detector.get("tag_threshold")),
            "",
            "| genre | should get | clips | refused | of which not music | expected genre | `tag` would write |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {g['genre']} | {g['expected'] or 'no genre'} | {g['clips']} | {g['refused']} | {g['not_music']} | "
            f"{g['expected_genre'] if g['expected'] else '—'} | {g.get('written', '—')} |"
            for g in dev["per_genre"]
        ]
        lines.append("")
    verdicts = ", ".join(f"{v['sound']}: {v['verdict']}" for v in sounds["verdicts"])
    lines.append(
        f"**Generated non-music** ({_non_music_of(sounds)}; thresholds are chosen on "
        f"{seed_and_rate(CHOICE_SEED, CHOICE_RATE)}): refused {fmt(sounds['refused'])}, called not music "
        f"{fmt(sounds['not_music'])}. Verdicts: {verdicts}."
    )
    return lines


RATE_BEFORE_RECORDED = 16000
"""The rate of the non-music of a result that records none: evaluations before 44.1 kHz rendered it at the model's
own front-end rate, which is 16 kHz for every model there has been."""


def _non_music_of(sounds: dict[str, Any]) -> str:
    """``seed 2 at 44.1 kHz``: the generated non-music the figures were measured on.  Said for results older than
    the recorded rate too, so that their 16 kHz figures are not read as a file's rate's."""
    return seed_and_rate(sounds["seed"], sounds.get("sample_rate", RATE_BEFORE_RECORDED))


def _written_sentence(inside: dict[str, Any], threshold: float | None) -> list[str]:
    """What ``tag`` would write on the split (absent from results older than the figure)."""
    if threshold is None:
        return []
    return [
        f"At a tagging threshold of {threshold:g}, `tag` would write a genre into {fmt(inside['written'])} tracks, "
        f"right for {fmt(inside['accuracy_written'])} of them."
    ]


def _dev_written_sentence(dev: dict[str, Any], threshold: float | None) -> list[str]:
    """What ``tag`` would write on the dev set (absent from results older than the figure)."""
    if threshold is None:
        return []
    return [
        f"At a tagging threshold of {threshold:g}, `tag` would write a genre, necessarily wrong, into "
        f"{fmt(dev['out_of_vocabulary_written'])} out-of-vocabulary clips, and a genre into "
        f"{fmt(dev['in_vocabulary_written'])} in-vocabulary ones, the expected one for "
        f"{fmt(dev['in_vocabulary_written_right'])}."
    ]


def _codes_section(result: Result) -> list[str]:
    codes, same = result["codes"], result["same_track"]
    room, later = same["room_capture"], same["later_window"]
    lines = [
        "## Codes",
        "",
        f"Library codes of all {codes['tracks']} tracks: {codes['distinct_codes']} distinct; "
        f"{codes['unique_tracks']} tracks ({fmt(codes['unique_share'])}) have a code no other track has; "
        f"the largest group of tracks sharing one code has {codes['largest_group']}.",
    ]
    if codes["non_music"]:
        sharing = codes["non_music"]
        lines.append(
            f"Of {sharing['sounds']} generated non-music sounds, {sharing['sharing_with_tracks']} share a code with a "
            f"track, {sharing['sharing_with_other_kinds']} with a sound of another kind, and "
            f"{sharing['sharing_own_kind']['count']} only with another render of their own kind."
        )
    lines += [
        "",
        f"**Same track** (queries: tracks outside the train split; database: all {same['database_tracks']} tracks, "
        f"ranked as the library ranks{_compared(result)}):",
        "",
    ]
    if room is not None:
        lines.append(
            f"- Room capture of the first window (reverb, 120 Hz–7 kHz, pink noise at 10 dB SNR, random gain; seed "
            f"{same['room_seed']}) against the library codes: own track first for {fmt(room['found'])} of "
            f"{room['queries']} queries (median rank {room['median_rank']:g})."
        )
    if later is not None:
        lines.append(
            f"- Window from {same['later_window_start_s']:g} s against each track's first window alone: own track in "
            f"the top {later['within']} for {fmt(later['found'])} of {later['queries']} queries (median rank "
            f"{later['median_rank']:g}); tracks too short to have a later window: {same['later_window_skipped']}."
        )
    return lines


def _compared(result: Result) -> str:
    """Which bits of the codes the same-track search compared, in words (nothing when all of them)."""
    compared = result["same_track"].get("compared_bits", result["bits"])
    return (
        ""
        if compared == result["bits"]
        else f", by the last {compared} of the {result['bits']} bits: the identity bits"
    )


def render_markdown(result: Result) -> str:
    """The Markdown report of one model's evaluation."""
    lines = [
        f"# Evaluation of {result['model_name']}",
        "",
        f"Model `{result['model']}` ({result['model_file']}).",
        "",
        *_headline_table(result),
        "",
        *_genre_section(result),
        "",
        *_calibration_section(result),
        "",
        *_detector_section(result),
        "",
        *_codes_section(result),
    ]
    if result["failures"]:
        lines += ["", "Inputs that could not be analysed:", ""] + [
            f"- {f['file']}: {f['reason']}" for f in result["failures"]
        ]
    return "\n".join(lines) + "\n"
