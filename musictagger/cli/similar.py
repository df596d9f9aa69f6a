"""``musictagger similar FILE|TRACK [-k 10] [--m3u PLAYLIST]``: the library tracks nearest a file or an indexed track.

The query is a file (analysed on the fly unless the index already knows it as it is now),
a track id from the index, or text matching one indexed track's path, title or artist.
Ranking: Hamming distance between hash codes (the model's identity bits where it has them), the shortlist
ordered by the relaxed codes' distance (the nearest of a track's own and its windows'); each match says
which part of it was nearest.  ``--m3u`` also saves the matches, nearest first, as a playlist
(:mod:`musictagger.library.playlist`, the window's writer too).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import NamedTuple

from musictagger.cli.json_fields import document, problem, verdict_field
from musictagger.cli.lines import with_path, wrap
from musictagger.cli.options import positive_int
from musictagger.cli.table import clip, format_table
from musictagger.errors import FileError, MusictaggerError, one_line
from musictagger.library import Library, Match, find_similar
from musictagger.library.lookup import analysis_for, indexed_name
from musictagger.library.playlist import SUFFIX, SUFFIXES, PlaylistEntry, write_playlist
from musictagger.library.scan import BROKEN_LINK
from musictagger.library.search import comparable_models, model_family, query_match_bits
from musictagger.library.store import TrackAnalysis
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import default_model_path
from musictagger.personal.active import head_for_search, matches_through

AMBIGUOUS_SHOWN = 10
GENRE_WIDTH = 16
"""Widest genre the table shows, in terminal columns (a personal model's label may be long)."""
TRACK_WIDTH = 22
"""Widest track name (its tags' artist and title) the table shows, in terminal columns: the columns before it
take at most 55 (up to 99 matches, a part past 99 minutes, a genre cut at 16), so the path starts by column 80."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("similar", help="list the library tracks that sound most like a file or track")
    parser.add_argument(
        "query",
        metavar="FILE|TRACK",
        type=_query_argument,
        help="an audio file, a track id, or text from a track's path/title/artist",
    )
    parser.add_argument("-k", type=positive_int, default=10, help="how many matches (default 10)")
    parser.add_argument(
        "--json",
        action="store_true",
        help='print the matches as JSON: paths absolute, "field" what their "genre" is of (genre, mood …)',
    )
    parser.add_argument(
        "--m3u",
        "--playlist",
        dest="playlist",
        type=Path,
        metavar="PLAYLIST",
        help=f"also save the matches, nearest first, as an M3U8 playlist ({SUFFIX} added to a name without "
        f"{' or '.join(SUFFIXES)})",
    )
    parser.add_argument("--model", type=Path, default=None, help="ONNX model (default: the shipped one)")
    parser.set_defaults(run=run)


def _query_argument(text: str) -> str:
    """A query as given, not blank: an empty one (a script's variable left unset) matched every track's path."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty argument names no file, track id or text (a variable left unset?)")
    return text


def run(args: argparse.Namespace) -> int:
    with Library(create=False) as library:
        if not library.any_analysed():
            raise _nothing_to_compare_with(library)
        try:
            query = _resolve(library, args.query, args.model)
        except FileError as error:
            if args.json:  # a document still, saying why, as analyze --json's line for a file that failed
                print(document(problem(error.path, error.reason)))
            raise
        path, analysis, model_id = query.path, query.analysis, query.model_id
        model_path = args.model or default_model_path()
        manifest = load_manifest(model_path, verify_digest=False)
        family = model_family(model_path)
        match_bits = query_match_bits(model_id, family, manifest.match_bits)
        models = comparable_models(model_id, family)
        matches = find_similar(
            library,
            analysis.bits,
            analysis.relaxed_code,
            k=args.k,
            exclude_path=path,
            models=models,
            match_bits=match_bits,
        )
        head = head_for_search(manifest, models, family)
        matches = matches_through(matches, head)
        if query.track is not None and head is not None:  # a file's analysis is read through it already
            analysis = analysis.through(head)  # the heading's verdict is the active model's, as its matches' are
        coded = library.code_counts()
        left_out = sum(count for key, count in coded.items() if key not in models)
    window_seconds = manifest.front_end.window_seconds
    saved = (
        write_playlist(args.playlist, [PlaylistEntry.of(m.record) for m in matches])
        if args.playlist is not None
        else None
    )
    if args.json:
        answer = {
            "query": query.name,  # absolute: the file's, or the indexed track's
            "track": query.track,  # the indexed track's id when the query named one by id or text, else null
            "field": verdict_field(head),  # what the matches' "genre" is a value of: "mood" for a mood model's
            "compared_bits": match_bits or len(analysis.bits),
            "matches": [match_document(m, window_seconds) for m in matches],
            "left_out": left_out,  # tracks analysed by a model whose codes do not compare with the query's
            "playlist": None if saved is None else str(saved),  # the playlist --m3u saved, absolute
        }
        print(document(answer))
    else:
        # A summary may hold brackets, "(nearest: rock 0.45)"; a file name a line break, written as \n.
        label = query.name if query.track is None else f"track {query.track} {query.name}"
        print(wrap(f"nearest to {one_line(label)}, {analysis.summary()}:", [one_line(path)] if path else []))
        in_use = models == family  # the query's code is the model in use's (else an indexed track's older code)
        print(_table(matches, window_seconds) if matches else _nothing_near(left_out, in_use=in_use))
        if left_out:
            print(wrap(_left_out_line(left_out, in_use=in_use)))
        if matches:
            print(
                wrap(
                    "  (ordered by distance: between relaxed codes; bits: how many of the "
                    f"{match_bits or len(analysis.bits)} differ)"
                )
            )
        if saved is not None:
            print(with_path(f"  saved the {len(matches)} match{'es' * (len(matches) != 1)} as the playlist ", saved))
    return 0


def _nothing_to_compare_with(library: Library) -> MusictaggerError:
    """Why a library without an analysed track has no match for any query, and what to do: index music, or look
    at why its files failed.  Every such library was called empty, and a user who had just indexed a folder of
    damaged files was told to index their music first."""
    failed = library.counts().failed
    if failed:
        return MusictaggerError(
            f"the library index holds no analysed track to compare with: its {failed} file{'s' * (failed != 1)} "
            "failed (`musictagger index --status` says why)"
        )
    folders = [one_line(str(root)) for root in library.roots()]
    if folders:
        return MusictaggerError(
            f"the library index holds no track: no audio file was found in its folder{'s' * (len(folders) != 1)} "
            f"({', '.join(folders)}) when it was last indexed; `musictagger index` looks again",
            paths=folders,
        )
    return MusictaggerError("the library index is empty: index your music first, e.g. `musictagger index ~/Music`")


class _Query(NamedTuple):
    """What a search starts from: a file, or a track of the index named by its id or by text."""

    name: str
    """The file's absolute path, or the indexed track's."""
    path: str | None
    """The indexed name to leave out of the matches."""
    analysis: TrackAnalysis
    model_id: str | None
    """The model id of an indexed track's stored analysis; None for a file, analysed by the model in use."""
    track: int | None
    """The indexed track's id, when the query named a track by its id or by text."""


def _resolve(library: Library, query: str, model_path: Path | None) -> _Query:
    """The query for a file, a track id or a unique text match."""
    if os.path.isfile(query):
        path = indexed_name(library, os.path.abspath(query))
        return _Query(os.path.abspath(query), path, analysis_for(library, path, model_path=model_path), None, None)
    if os.path.isdir(query):
        raise FileError(query, "is a folder; give an audio file, a track id or text matching one track")
    try:
        os.stat(query)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        pass  # not a path: a track id or text
    except OSError as exc:
        raise FileError(query, f"cannot be read ({exc.strerror or exc})") from exc
    if query.isdigit() and (record := library.record_by_id(int(query))) is not None:
        candidates = [record]
    else:
        candidates = library.find(query, limit=AMBIGUOUS_SHOWN + 1)
    analysed = [record for record in candidates if record.analysis is not None]
    if not candidates:
        if os.path.islink(query):  # a link to a file gone, not text: said as analyze and index say it
            raise FileError(query, BROKEN_LINK)
        raise MusictaggerError(f"{query!r} is neither a file nor an analysed track of the library")
    if not analysed:
        shown = candidates[:AMBIGUOUS_SHOWN]
        listing = "\n".join(f"  {r.id}: {one_line(r.path)}: {r.error}" for r in shown)
        raise MusictaggerError(
            f"{query!r} matches only tracks that could not be analysed, with nothing to search from:\n{listing}",
            paths=[r.path for r in shown],
        )
    if len(analysed) > 1:
        shown = analysed[:AMBIGUOUS_SHOWN]
        listing = "\n".join(f"  {record.id}: {one_line(record.path)}" for record in shown)
        more = "\n  … and more: give more of the text" if len(analysed) > AMBIGUOUS_SHOWN else ""
        raise MusictaggerError(
            f"{query!r} matches several tracks; give a track id:\n{listing}{more}", paths=[r.path for r in shown]
        )
    (record,) = analysed
    return _Query(record.path, record.path, record.analysis, record.key.model_id, record.id)


def _nothing_near(left_out: int, *, in_use: bool) -> str:
    """What stands for the table when nothing matched: no other analysed track, or none of the query's model (the
    others ``left_out``, :func:`_left_out_line`)."""
    if not left_out:
        return "  (no other analysed tracks in the library)"
    model = "the model in use" if in_use else "this track's model"
    return f"  (no other track analysed by {model})"


def _left_out_line(left_out: int, *, in_use: bool) -> str:
    """How many tracks were left out of the search because their codes do not compare with the query's, and what
    makes them compare: ``index`` analysing them with the model in use, or, when the query is an indexed track
    another model analysed (``in_use`` False), analysing that track, for the tracks left out are the model in
    use's (or yet another's)."""
    tracks = f"{left_out} track{'s' * (left_out != 1)}"
    if in_use:
        return (
            f"  ({tracks} analysed by another model, whose codes do not compare with this one's, left out: "
            "`musictagger index` analyses them again)"
        )
    return (
        f"  ({tracks} left out, analysed by another model than this track, whose codes do not compare with its: "
        "`musictagger index` analyses it again with the model in use)"
    )


def _table(matches: list[Match], window_seconds: float) -> str:
    """The matches as columns as wide as their widest cell, one line each (see :func:`format_table`), the
    numbers right-aligned under their headings and the path last.  The track column is the tags' artist and
    title, left out when no match has them: a file name alone is already the path's end."""
    rank_width = len(str(len(matches)))
    names = [match.record.tagged_name or "" for match in matches]
    track = ("track",) if any(names) else ()
    header = ("#".rjust(rank_width), "distance", "bits", "nearest part", "genre", *track, "path")
    rows = [
        (
            str(rank).rjust(rank_width),
            f"{match.relaxed_distance:8.3f}",
            f"{match.distance:4}",
            match.part_text(window_seconds),
            clip(match.record.verdict_label, GENRE_WIDTH),
            *(clip(name, TRACK_WIDTH) for _ in track),
            match.record.path + ("  (duplicate)" if match.duplicate else ""),
        )
        for rank, (match, name) in enumerate(zip(matches, names, strict=True), start=1)
    ]
    return "\n".join(f"  {line}" for line in format_table(header, rows).splitlines())


def match_document(match: Match, window_seconds: float) -> dict:
    """One match as ``similar --json`` gives it, and ``listen --json`` its nearest track."""
    span = match.window_span(window_seconds)
    return {
        "id": match.record.id,
        "path": match.record.path,
        "title": match.record.analysis.title if match.record.analysis else None,
        "artist": match.record.analysis.artist if match.record.analysis else None,
        "genre": match.record.genre,
        "verdict": match.record.analysis.verdict.kind if match.record.analysis else None,
        "reason": (match.record.analysis.verdict.reason or None) if match.record.analysis else None,
        "distance": match.distance,
        "relaxed_distance": round(match.relaxed_distance, 6),
        "duplicate": match.duplicate,
        "nearest_part": None
        if span is None
        else {"window": match.part, "start_s": round(span[0], 2), "end_s": round(span[1], 2)},
    }
