"""``musictagger index --status``: what the library index holds, as text or as one JSON document (``--json``).

Both forms say the same, read once (:func:`read_status`): the counts, the tracks per verdict of the model in use
(the active personal model's when it reads this model's analyses), which model that is, how many analysed tracks
hold the embedding it (or ``learn``) reads and the code the search compares, so how many wait for ``index`` with
this model, the folders of the library and the files that failed, with why.  A script polling the library reads
the JSON rather than the text (README, the JSON paragraph).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musictagger.cli.json_fields import file_name, problem, verdict_field
from musictagger.cli.lines import path_line, wrap
from musictagger.library import Library
from musictagger.library.search import codes_in_reach
from musictagger.library.store import AnalysisKey, LibraryCounts, TrackRecord
from musictagger.model.manifest import ModelManifest, load_manifest
from musictagger.model.runtime import default_model_path
from musictagger.personal.active import field_in_use, judge_active
from musictagger.personal.store import SHIPPED, PersonalModelInfo, active_model


@dataclass(frozen=True)
class IndexStatus:
    """The index's state as ``index --status`` reports it."""

    index: Path
    model_path: Path
    manifest: ModelManifest
    personal: PersonalModelInfo | None
    """The active personal model, in use or not (:attr:`in_use`)."""
    counts: LibraryCounts
    field: str
    """The tag field the verdicts are values of: the personal model's when it is in use, else ``genre``."""
    verdicts: Counter[str]
    """Analysed tracks per verdict: the personal model's when it is in use, else the model's."""
    embedded: Counter[str]
    coded: Counter[str]
    roots: list[Path]
    failures: list[TrackRecord]

    @property
    def model_id(self) -> str:
        """The id under which the model in use stores its analyses."""
        return AnalysisKey.model_id_of(self.manifest)

    @property
    def reads(self) -> str:
        """The model id whose analyses' embeddings the active personal model (or ``learn``) reads."""
        return self.personal.base_model_id if self.personal is not None else self.model_id

    @property
    def in_use(self) -> bool:
        """Whether the active model's verdicts are the ones given (a personal model learnt on another's are not)."""
        return self.reads == self.model_id

    @property
    def embeddings(self) -> int:
        """Analysed tracks holding the embedding the active personal model (or ``learn``) reads."""
        return self.embedded[self.reads]

    @property
    def codes(self) -> tuple[int, int]:
        """Tracks whose codes the search compares with this model's, and tracks another model analysed."""
        return codes_in_reach(self.coded, self.model_path)


def read_status(model_path: Path | None) -> IndexStatus:
    """The state of the user's library index, the model in use being ``model_path`` (default: the user's)."""
    model_path = model_path or default_model_path()
    manifest = load_manifest(model_path)
    with Library(create=False) as library:
        if head := judge_active(library, manifest):  # its verdicts, as the Library tab counts them
            library.use_judged(head.identity)
        return IndexStatus(
            index=library.path,
            model_path=model_path,
            manifest=manifest,
            personal=active_model(),
            counts=library.counts(),
            field=verdict_field(head),
            verdicts=library.verdict_counts(),
            embedded=library.embedded_counts(),
            coded=library.code_counts(),
            roots=library.roots(),
            failures=library.failures(),
        )


def print_status(status: IndexStatus) -> None:
    """The status as text, a line for each count, folder and failure."""
    counts = status.counts
    made = status.index.is_file()  # a status asked before any `index` makes none
    print(path_line("index", status.index, None if made else "none yet (`musictagger index DIR` makes it)"))
    print(f"{counts.total} track{'s' * (counts.total != 1)}: {counts.analysed} analysed, {counts.failed} failed")
    if status.verdicts:
        counted = [f"{label} {count}" for label, count in status.verdicts.most_common()]
        print(wrap("  verdicts: " + ", ".join(counted), counted))
    _print_model_status(status)
    searched, others = status.codes
    missing = f"; {others} analysed by another model {_need(others)} `musictagger index` again" if others else ""
    are = "1 track is" if searched == 1 else f"{searched} tracks are"  # 'codes: 1 tracks are searched'
    print(wrap(f"  codes: {are} searched for similar ones with {status.model_path.stem}{missing}"))
    for root in status.roots:
        print(path_line("  folder", root))
    for record in status.failures:
        print(path_line("  failed", record.path, record.error))


def _print_model_status(status: IndexStatus) -> None:
    """Which model's verdicts are in use, and how many analysed tracks hold the embedding its personal head
    reads (or, with the shipped model, that ``learn`` would learn from)."""
    personal = status.personal
    if personal is None:
        print("active model: the shipped model")
        reader = "`musictagger learn` needs"
    else:
        print(wrap(f"active model: personal model {personal.name!r} ({personal.field}: {', '.join(personal.labels)})"))
        reader = f"{personal.name!r} needs"
        if not status.in_use:
            print(
                wrap(f"  it reads analyses by {personal.base_model_id}, not by this model: its verdicts are not in use")
            )
    have, analysed = status.embeddings, status.counts.analysed
    missing = f"; {analysed - have} {_need(analysed - have)} `musictagger index` again" if have < analysed else ""
    tracks, verb = "track" if analysed == 1 else "tracks", "has" if have == 1 else "have"
    print(wrap(f"  embeddings: {have} of {analysed} analysed {tracks} {verb} the one {reader}{missing}"))


def _need(count: int) -> str:
    """``needs`` after a count of 1 (``1 needs `musictagger index` again``), else ``need``."""
    return "needs" if count == 1 else "need"


def status_document(status: IndexStatus) -> dict[str, Any]:
    """The status as ``index --status --json`` prints it (README, the JSON paragraph): the same keys always."""
    personal = status.personal
    searched, others = status.codes
    return {
        "index": file_name(status.index),
        "tracks": {"total": status.counts.total, "analysed": status.counts.analysed, "failed": status.counts.failed},
        "field": status.field,
        "verdicts": dict(status.verdicts.most_common()),
        "model": {"name": status.model_path.stem, "file": file_name(status.model_path), "id": status.model_id},
        "active_model": {
            "name": personal.name if personal is not None else SHIPPED,
            "field": field_in_use(personal),
            "labels": list(personal.labels if personal is not None else status.manifest.labels),
            "reads": status.reads,
            "in_use": status.in_use,
        },
        "embeddings": {"tracks": status.embeddings, "need_index": max(status.counts.analysed - status.embeddings, 0)},
        "codes": {"tracks": searched, "need_index": others},
        "folders": [file_name(root) for root in status.roots],
        "failed": [problem(record.path, record.error or "") for record in status.failures],
    }
