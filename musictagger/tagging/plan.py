"""Plan first, apply later: what a tagging run would do to each file, and why.

From per-file predictions and the files' current values of the field written (``genre``, or the
field a personal model learnt: ``mood``, ``grouping`` …) a :class:`Plan` decides the new values and
one action per file.  Below, "genres" stands for the values of whichever field the plan writes.
The dry run prints it, the window's preview shows it, and the real run applies exactly it
(``apply.apply_plan``), as beets' ``--pretend`` does through its real code path.

Modes: ``fill-empty`` (the default: only files without any genre get one), ``append`` (the
prediction is added unless already there, compared without case), ``replace`` (the genres become
the predicted one; an existing genre is only ever replaced when the user asks for it).
The model's labels are written capitalised (``rock`` → ``Rock``), as genre tags usually are.
A file the model has no genre for (an *unknown* verdict: ``not music``, or not one of its
genres) is never written, whatever the mode or threshold: it is skipped with that reason.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import mutagen

from musictagger.csv_file import write_csv
from musictagger.disk import name_trouble
from musictagger.errors import FileError, MusictaggerError, TagReadError, unexpected
from musictagger.model.verdict import NOT_MUSIC, not_one_of_mine
from musictagger.presence import missing
from musictagger.tagging.atomic import remove_stale_copies_beside, unwritable_because
from musictagger.tagging.fingerprint import Fingerprint
from musictagger.tagging.formats import Id3Version, WritableFormat, detect_loaded, is_taggable
from musictagger.tagging.payload import audio_layout_problem
from musictagger.tags.asf_structure import drm_protection
from musictagger.tags.formats import Id3Family, NotTaggableError, id3_revision

ProgressCallback = Callable[[int, int, Path], None]
"""``on_progress(done, total, path)``: called after each file; ``path`` is the one just handled."""

DEFAULT_MIN_CONFIDENCE = 0.7
"""The calibrated probability below which ``tag`` (and the window's tagging dialog) leaves a file alone,
unless the user sets another; ``musictagger evaluate`` counts what it would write at this threshold.

Chosen for the shipped model on the sets its verdict's thresholds are chosen on, never on test:
from 0.6 to 0.7 the genres it would write into the dev set's 30 out-of-vocabulary clips (all of them
wrong) fall from 20 to 10, and those it writes into Emotify's validation split go from 44 of 80
(84 % right) to 38 (89 %); 0.75 would leave 6 more validation tracks untagged to spare 2 more dev
clips.  (A scratch run over the float model's outputs; ``reports/quality.md`` has the table.)"""


GONE_SINCE_FOUND = "is no longer there (moved, renamed or deleted since it was found)"
"""Why a file the run found is left alone when it has gone before its plan (a file gone after it is skipped by the
writer, as one changed since the plan is)."""


class Mode(StrEnum):
    """How the predicted label combines with the values a file already has in the field written."""

    REPLACE = "replace"
    APPEND = "append"
    FILL_EMPTY = "fill-empty"


DEFAULT_MODE = Mode.FILL_EMPTY
"""The safe default everywhere (CLI, window, API): a genre a file already has is kept."""

KEEP_ID3 = "keep"
"""The ID3v2 revision choice that keeps each file's own (v2.4 for a file without an ID3v2 tag): the default of
``tag --id3`` and of the window's setting."""
ID3_CHOICES = (KEEP_ID3, *(version.value for version in Id3Version))
"""What ``tag --id3`` and the window's Settings offer: keep each file's revision, or write v2.3 or v2.4 into every file
written (converting a tag in the other, unless that would drop frames).  v2.3 is for the players that read no v2.4:
Windows Explorer before Windows 10 1607, iTunes, many car stereos."""


def id3_version_chosen(choice: str) -> Id3Version | None:
    """The revision a run writes for ``choice`` (one of :data:`ID3_CHOICES`), as :func:`make_plan` takes it: None
    keeps each file's."""
    return None if choice == KEEP_ID3 else Id3Version(choice)


class Action(StrEnum):
    """What the run does to one file."""

    WRITE = "write"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    ERROR = "error"


class Skip(StrEnum):
    """Why a skipped file is left alone, as a plan's summary groups them (each file's reason says more)."""

    NOT_MUSIC = "not music"
    NOT_ONE_OF_MINE = "not one of the model's labels"
    BELOW_THRESHOLD = "below the threshold"
    CANNOT_WRITE = "cannot be written"
    GONE = "no longer there"
    """Gone since the run found it (moved, deleted, or its drive unplugged): not a file that cannot be written."""
    NOT_TAGGABLE = "not a taggable format"
    NO_VALUE = "no value given"
    LEFT_OUT = "left out"


@dataclass(frozen=True)
class Prediction:
    """The model's verdict on one file, as tagging needs it.

    ``label`` (a genre, or a personal model's label) is ``None`` for an unknown verdict, and
    ``reason`` then says why (see :class:`musictagger.model.verdict.Verdict`); ``confidence`` is
    the calibrated probability of the most probable label either way.
    """

    label: str | None
    confidence: float
    uncertain: bool
    reason: str = ""


@dataclass(frozen=True)
class PlanItem:
    """One file of a plan: its genres now, the genres it would get, and the action with its reason."""

    path: Path
    action: Action
    reason: str = ""
    current: tuple[str, ...] = ()
    proposed: tuple[str, ...] = ()
    prediction: Prediction | None = None
    tag_format: WritableFormat | None = None
    """Found when the file was read; the writer opens its copy with the same mutagen class."""
    id3_version: Id3Version | None = None
    """The ID3 revision the file has (journalled, so that undo restores it)."""
    fingerprint: Fingerprint | None = None
    """Of the file when planned (files to write only): apply skips it if it changed since."""
    corrected: bool = False
    """``proposed`` is the user's correction of the model's proposal (journalled as such)."""
    skip: Skip | None = None
    """Why a skipped file is left alone (skipped files only)."""

    @property
    def action_text(self) -> str:
        """E.g. ``write``, ``skip: below threshold 0.60``."""
        return f"{self.action}: {self.reason}" if self.reason else str(self.action)


@dataclass(frozen=True)
class Plan:
    """Every file of a run with its action, and the settings it was made with."""

    items: tuple[PlanItem, ...]
    mode: Mode
    min_confidence: float
    id3_version: Id3Version | None
    """The ID3v2 revision written; None keeps each file's own (v2.4 for a file without an ID3v2 tag), which
    converts nothing and so drops no frame."""
    field: str = "genre"
    """The tag field the plan writes (see :data:`~musictagger.tags.formats.LABEL_FIELDS`)."""

    def counts(self) -> Counter[Action]:
        """Files per action."""
        return Counter(item.action for item in self.items)

    def summary(self) -> str:
        """Files per action, the skipped ones by why, most first: ``9 write, 0 unchanged, 11 skip (6 not one of
        my genres, 3 below 0.70, 2 cannot be written), 0 error`` (the preview's last line, in the CLI and the
        window): in a large run the table scrolls away, and this line says what kept the files alone."""
        counts = self.counts()
        skipped = Counter(item.skip for item in self.items if item.action is Action.SKIP and item.skip)
        why = ", ".join(f"{n} {self._skip_words(skip)}" for skip, n in skipped.most_common())
        return ", ".join(
            f"{counts[action]} {action}" + (f" ({why})" if action is Action.SKIP and why else "") for action in Action
        )

    def _skip_words(self, skip: Skip) -> str:
        if skip is Skip.NOT_ONE_OF_MINE:
            return not_one_of_mine(self.field)
        if skip is Skip.BELOW_THRESHOLD:
            return f"below {self.min_confidence:.2f}"
        if skip is Skip.NO_VALUE:
            return f"no {self.field} given"
        return str(skip)


def preview_columns(field: str = "genre") -> tuple[str, str, str, str, str]:
    """The preview table's header for a plan writing ``field``."""
    return ("file", f"current {field}", f"proposed {field}", "confidence", "action")


def make_plan(
    predictions: Mapping[Path, Prediction | MusictaggerError],
    *,
    mode: Mode | str = DEFAULT_MODE,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    id3_version: Id3Version | None = None,
    field: str = "genre",
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    states: FileStates | None = None,
) -> Plan:
    """Read each file's values of ``field`` and decide its action; a prediction may be the error that prevented it.

    Stops early (with the files so far) when ``should_stop()`` turns true.  ``mode`` may also be the
    mode's text (``"fill-empty"``), as a Qt combo box hands it back.  ``states`` keeps what an earlier plan of the
    same files read of them (the window's preview plans again at each change of threshold or mode).
    """
    mode = Mode(mode)
    states = states or FileStates()
    if not states.swept:  # once for the files a preview plans again and again
        remove_stale_copies_beside(predictions)
        states.swept = True
    items = []
    for done, (path, prediction) in enumerate(predictions.items(), start=1):
        if should_stop and should_stop():
            break
        items.append(
            plan_file(
                Path(path),
                prediction,
                mode=mode,
                min_confidence=min_confidence,
                field=field,
                id3_version=id3_version,
                states=states,
            )
        )
        if on_progress:
            on_progress(done, len(predictions), Path(path))
    return Plan(tuple(items), mode, min_confidence, id3_version, field)


def plan_file(
    path: Path,
    prediction: Prediction | MusictaggerError,
    *,
    mode: Mode,
    min_confidence: float,
    field: str = "genre",
    id3_version: Id3Version | None = None,
    states: FileStates | None = None,
) -> PlanItem:
    """The plan for one file; ``id3_version`` is the ID3 revision the run writes (None: each tag's own); ``states``
    what earlier plans read of the file (:class:`FileStates`)."""
    states = states or FileStates()
    if not is_taggable(path):
        return PlanItem(path, Action.SKIP, f"not taggable ({path.suffix or 'no extension'})", skip=Skip.NOT_TAGGABLE)
    if missing(path):  # moved out of the folder while the run analysed it or the others (not merely out of reach)
        return PlanItem(path, Action.SKIP, GONE_SINCE_FOUND, skip=Skip.GONE)
    if protection := states.protection(path):  # before its analysis's error: encrypted audio does not decode
        return PlanItem(path, Action.SKIP, protection, skip=Skip.CANNOT_WRITE)
    if isinstance(prediction, MusictaggerError):
        return PlanItem(path, Action.ERROR, reason_of(prediction, path))
    try:
        tag_format, current, elsewhere = states.labels(path, field)
        action, reason, proposed = decide(current, prediction, mode=mode, min_confidence=min_confidence, field=field)
        would_write = action is Action.WRITE or (action is Action.SKIP and bool(proposed))  # or below the threshold
        if would_write and (refusal := elsewhere or unwritable_because(path)):
            action, reason = Action.SKIP, refusal  # a lower threshold, or a tick in the window, would not help
            skip = Skip.CANNOT_WRITE
        else:
            skip = skip_of(action, prediction)
        if action is not Action.WRITE:
            return PlanItem(path, action, reason, current, proposed, prediction, tag_format, skip=skip)
        stored_id3_version, fingerprint = states.writable(tag_format, path, field, id3_version)
    except NotTaggableError as exc:  # an Ogg FLAC .oga, an RF64 .wav
        return PlanItem(path, Action.SKIP, exc.reason, skip=Skip.NOT_TAGGABLE)
    except Exception as exc:  # a bug met on this file too (reason_of): the others are planned
        return PlanItem(path, Action.ERROR, reason_of(exc, path), prediction=prediction)
    return PlanItem(path, action, reason, current, proposed, prediction, tag_format, stored_id3_version, fingerprint)


_Read = TypeVar("_Read")


class FileStates:
    """What planning read of each file (its tag format and values of the field, and for a file to be written its ID3
    revision and fingerprint, or why it cannot be), kept while the file is as it was: the same inode, size and
    modification time.  The window's preview plans the same files again at each change of threshold or mode, and
    read every file again each time: every tag, and the whole file for the fingerprint of each to be written (a
    60-file album of FLACs, 743 MB: 0.6 s a change from the page cache; thousands of files, minutes from a disk).
    The writer checks each file against its fingerprint again before it writes, as it always did."""

    def __init__(self) -> None:
        self._read: dict[tuple, tuple[tuple[int, int, int] | None, object]] = {}
        self.swept = False
        """The copies killed runs left beside the files have been removed (:func:`remove_stale_copies_beside`)."""

    def protection(self, path: Path) -> str | None:
        """Why ``path`` is left alone as protected by DRM (:func:`~musictagger.tags.asf_structure.drm_protection`)."""
        return self._kept(("protection", path), path, lambda: drm_protection(path))

    def labels(self, path: Path, field: str) -> tuple[WritableFormat, tuple[str, ...], str]:
        """``path``'s tag format, values of ``field`` and why it holds them where tagging does not write
        (:func:`current_labels`)."""
        return self._kept(("labels", path, field), path, lambda: _format_and_labels(path, field))

    def writable(
        self, tag_format: WritableFormat, path: Path, field: str, id3_version: Id3Version | None
    ) -> tuple[Id3Version | None, Fingerprint]:
        """:func:`writable_state` of ``path``."""
        return self._kept(
            ("writable", path, field, id3_version),
            path,
            lambda: writable_state(tag_format, path, field, id3_version),
        )

    def _kept(self, key: tuple, path: Path, read: Callable[[], _Read]) -> _Read:
        """``read()``'s value (or the error it raised, raised again) while ``path`` is as when it was read."""
        stamp = _stamp(path)
        kept = self._read.get(key)
        if kept is None or kept[0] != stamp or stamp is None:
            try:
                outcome: _Read | MusictaggerError = read()
            except MusictaggerError as exc:  # a refusal is the file's state too; a bug is met again
                outcome = exc
                # Kept bare: its traceback and the error it was raised from held the frames of the plan that read
                # it (and of each plan since, a raise adding to its traceback), every such plan kept alive.
                exc.__cause__ = exc.__context__ = None
            self._read[key] = kept = (stamp, outcome)
        if isinstance(kept[1], MusictaggerError):
            raise kept[1].with_traceback(None)
        return kept[1]


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """``path``'s inode, size and modification time, or None when it cannot be told (then nothing is kept)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def _format_and_labels(path: Path, field: str) -> tuple[WritableFormat, tuple[str, ...], str]:
    """``path``'s tag format and :func:`current_labels`, from one parse of the file."""
    tag_format, audio = detect_loaded(path)
    return (tag_format, *current_labels(tag_format, audio, path, field))


def writable_state(
    tag_format: WritableFormat, path: Path, field: str, id3_version: Id3Version | None
) -> tuple[Id3Version | None, Fingerprint]:
    """The ID3 revision ``path`` has and its fingerprint, for a file the run will write; TagReadError when
    writing ``field`` (in ``id3_version``, None for the tag's own) would lose other tags, or when the check that the
    run leaves the audio as it was cannot locate it (a container cut short), as the writer would find (it checks
    again, the copy it writes).  One load of an ID3 tag serves the revision and the check."""
    audio = tag_format.load(path, as_stored=True) if isinstance(tag_format.family, Id3Family) else None
    stored = id3_revision(audio.tags) if audio is not None else None
    written_in = revision_written(id3_version, stored)
    refusal = tag_format.rewrite_refusal(path, field, written_in, audio=audio) or audio_layout_problem(path)
    if refusal:
        raise TagReadError(path, refusal)
    return stored, Fingerprint.of(path)


def revision_written(asked: Id3Version | None, stored: Id3Version | None) -> Id3Version:
    """The ID3v2 revision a run writes into a file: the one asked for, else the file's own (v2.4 for a file
    without one).  The preview checks it, and the run writes it."""
    return asked or stored or Id3Version.V24


def current_labels(
    tag_format: WritableFormat, audio: mutagen.FileType, path: Path, field: str
) -> tuple[tuple[str, ...], str]:
    """The file's values of ``field`` in its tags ``audio``, and, when it also holds some where tagging does not write
    (a WAV's RIFF INFO chunk, an MP3's APEv2 tag, an ID3v2 tag before a FLAC stream), why the file is left alone: a
    value written beside them would leave the file saying two things."""
    current = tag_format.labels_in(audio, path, field)
    elsewhere, where = tag_format.read_only_labels(path, field)
    if not elsewhere:
        return current, ""
    if current:
        return current, f"{where} holds a {field} too ({'; '.join(elsewhere)}), which tagging does not write"
    return elsewhere, f"its {field} is in {where}, which tagging does not write"


def correct(
    item: PlanItem, genres: tuple[str, ...], field: str = "genre", id3_version: Id3Version | None = None
) -> PlanItem:
    """``item`` with the user's ``genres`` (values of ``field``) instead of the model's proposal (reads the file again).

    It is written unless the file has these genres already, whatever the threshold, the mode or
    the model's verdict: the user has decided.  No genres at all means the file is left alone.
    ``id3_version`` is the ID3 revision the run writes (None: each tag's own).
    """
    path = item.path
    if not genres:
        return PlanItem(
            path,
            Action.SKIP,
            f"no {field} given",
            item.current,
            (),
            item.prediction,
            item.tag_format,
            skip=Skip.NO_VALUE,
        )
    if not is_taggable(path):
        return item
    try:
        tag_format, current, elsewhere = _format_and_labels(path, field)
        if _same_values(genres, current):
            return PlanItem(path, Action.UNCHANGED, "already set", current, current, item.prediction, tag_format)
        if elsewhere:
            return PlanItem(
                path, Action.SKIP, elsewhere, current, genres, item.prediction, tag_format, skip=Skip.CANNOT_WRITE
            )
        id3_version, fingerprint = writable_state(tag_format, path, field, id3_version)
    except Exception as exc:  # a bug met on this file too (reason_of): the others are planned
        return PlanItem(path, Action.ERROR, reason_of(exc, path), prediction=item.prediction)
    return PlanItem(
        path, Action.WRITE, "corrected", current, genres, item.prediction, tag_format, id3_version, fingerprint, True
    )


def leave_out(item: PlanItem) -> PlanItem:
    """``item`` left out of the run by the user: its file is not touched."""
    return dataclasses.replace(item, action=Action.SKIP, reason="left out", fingerprint=None, skip=Skip.LEFT_OUT)


def revise(plan: Plan, *, left_out: set[Path], corrections: Mapping[Path, tuple[str, ...]]) -> Plan:
    """``plan`` with the user's review applied: files ``left_out`` skipped, ``corrections`` of its field's values taken."""
    items = tuple(
        leave_out(item)
        if item.path in left_out
        else correct(item, corrections[item.path], plan.field, plan.id3_version)
        if item.path in corrections
        else item
        for item in plan.items
    )
    return dataclasses.replace(plan, items=items)


def parse_genres(text: str) -> tuple[str, ...]:
    """Genres typed by a user, ``;``-separated as :func:`preview_rows` shows them (``Rock; Pop``)."""
    return tuple(genre.strip() for genre in text.split(";") if genre.strip())


def decide(
    current: tuple[str, ...], prediction: Prediction, *, mode: Mode, min_confidence: float, field: str = "genre"
) -> tuple[Action, str, tuple[str, ...]]:
    """Action, reason and proposed values for a file with values ``current`` in ``field`` (no I/O).

    A file below the threshold keeps the genres it would have got as ``proposed``, so a preview
    can show what a lower threshold would do; a file ``fill-empty`` leaves alone because it has a
    value shows the model's own, what replacing would write (not its current value, which a preview
    would read as the model's proposal); an unknown verdict proposes nothing.  A blank value (``GENRE=""``, or a
    space, as rippers and tag editors leave where a disc had none) is no value: fill-empty fills such a file, and
    append does not write the blank back (``current`` keeps it, so that undo gives it back).
    """
    if prediction.label is None:
        return Action.SKIP, f"unknown: {prediction.reason}", ()
    genre = genre_tag(prediction.label)
    values = tuple(value for value in current if value.strip())
    if mode is Mode.FILL_EMPTY and values:
        return Action.UNCHANGED, f"has a {field} already", (genre,)
    proposed = (genre,)
    if mode is Mode.APPEND:
        proposed = values if _key(genre) in [_key(value) for value in values] else (*values, genre)
    if _same_values(proposed, values):  # a blank beside them is no reason to write the file
        return Action.UNCHANGED, "already set", current
    if prediction.confidence < min_confidence:
        # 0.6959 shows as 0.70 in the confidence column: then the reason gives the digit that decides
        shown = f" ({prediction.confidence:.3f})" if f"{prediction.confidence:.2f}" == f"{min_confidence:.2f}" else ""
        return Action.SKIP, f"below threshold {min_confidence:.2f}{shown}", proposed
    return Action.WRITE, "", proposed


def _same_values(these: Sequence[str], those: Sequence[str]) -> bool:
    """Whether two lists of a field's values read the same, in order: case aside, and accents composed or not (a tag
    filled on a Mac from a file name holds ``É`` as ``E`` and a combining accent)."""
    return [_key(value) for value in these] == [_key(value) for value in those]


def _key(value: str) -> str:
    """What the values of a field that read the same share (:func:`_same_values`)."""
    return unicodedata.normalize("NFC", value).casefold()


def skip_of(action: Action, prediction: Prediction) -> Skip | None:
    """Why :func:`decide` left a file alone: the model has no label for it, or not a sure enough one."""
    if action is not Action.SKIP:
        return None
    if prediction.label is None:
        return Skip.NOT_MUSIC if prediction.reason == NOT_MUSIC else Skip.NOT_ONE_OF_MINE
    return Skip.BELOW_THRESHOLD


def genre_tag(label: str) -> str:
    """The tag value for a model label: ``electronic`` → ``Electronic`` (a personal label as the user spells it,
    first letter capitalised)."""
    return label[:1].upper() + label[1:]


def preview_rows(plan: Plan) -> list[tuple[str, str, str, str, str]]:
    """The preview table, one row per file, in :func:`preview_columns` order (for text and CSV)."""
    return [preview_row(item) for item in plan.items]


def preview_row(item: PlanItem) -> tuple[str, str, str, str, str]:
    """A file's row of the preview table, in :func:`preview_columns` order (the window's table makes each as it
    is shown)."""
    return (
        str(item.path),
        "; ".join(item.current),
        "; ".join(item.proposed),
        _confidence_text(item.prediction),
        item.action_text,
    )


def write_preview_csv(plan: Plan, path: Path) -> None:
    """Write the preview table as CSV, a header row first (:func:`~musictagger.csv_file.write_csv`: UTF-8 after a
    byte-order mark, which Excel needs to read it as UTF-8; a file name that is not UTF-8 keeps its own bytes)."""
    try:
        write_csv(path, preview_columns(plan.field), preview_rows(plan))
    except OSError as exc:
        raise FileError(path, f"cannot write the preview ({name_trouble(path, exc) or exc.strerror or exc})") from exc


def _confidence_text(prediction: Prediction | None) -> str:
    """The proposal's confidence; none for a file the model has no label for (its nearest label's
    probability is not the confidence of anything to write, and the Library tab shows none either)."""
    if prediction is None or prediction.label is None:
        return ""
    return f"{prediction.confidence:.2f}" + (" (uncertain)" if prediction.uncertain else "")


def reason_of(exc: Exception, path: Path) -> str:
    """The message without the path, for a report that already names the file (``path``); for an exception no
    check raises on purpose, a bug met on that file, :func:`~musictagger.errors.unexpected`'s, its traceback logged:
    the run goes on to the other files."""
    if isinstance(exc, FileError):
        return exc.reason
    return str(exc) if isinstance(exc, MusictaggerError) else unexpected(exc, path)
