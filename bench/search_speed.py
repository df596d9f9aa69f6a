"""Nearest-match search over millions of codes read from a real SQLite library: load time, memory, query time.

    .venv/bin/python bench/search_speed.py [--tracks 1000000 10000000] [--queries 200] [-k 10]
        [--library-dir DIR] [--old-up-to 10000000] [--windows 3] [--shortlists 20 40] [--match-bits 48]
        [--drop-os-cache]

For each size, a library file of random 64-bit codes is built once in ``--library-dir`` (by
``executemany``, as indexing would have stored them: packed code and 64 relaxed floats per row, and
with ``--windows W`` each row's W windows' relaxed codes, which the search fetches for its candidates
too; ten million rows without windows take ~4 GB and ~6 minutes) and reused by later runs.  The exact
check holds every row's relaxed codes in memory: 1 GB a million rows with three windows, 10 GB ten million.  Methods, on
that file:

* ``before`` — the previous release's index: ids, codes and relaxed codes all read with one
  ``fetchall`` (a Python tuple per row) and kept in memory (~280 bytes per track); a query is
  numpy's XOR + popcount of every code, a histogram for the radius holding k, and the relaxed
  codes' tie-break within it;
* ``now`` — :meth:`CodeIndex.from_library` with no codes file yet: ids and codes read in chunks
  from SQLite into numpy (16 bytes per track), then written to the codes file beside the library
  (:mod:`musictagger.library.code_sidecar`); a query is :mod:`musictagger.library.hamming`'s
  compiled pass (on every core) and the relaxed codes of its few candidates fetched from SQLite —
  the path of the window, ``listen`` and the Python API reusing an index;
* ``now, one thread`` — the same on one core;
* ``now, numpy`` — the same scanned by numpy: without numba, and for ``musictagger similar``'s
  one-off query (which does not load numba);
* ``memory read of the codes (floor)`` — numpy's sum of the packed codes: the time any pass that
  reads every code once needs on this machine at this moment (no search);
* ``now, codes file current`` — load only: :meth:`CodeIndex.from_library` memory-mapping the
  codes file, then every code read once (what the first query does);
* ``now, shortlist S`` — ``now`` with :data:`codes.SHORTLIST` set to each other ``--shortlists``
  value: how a longer shortlist (more candidates' codes fetched) costs.

Each method's queries are timed twice on a library connection of its own: first 200 queries
(``--queries``) none of the bench has asked on that connection (the exactness check uses another
200), then the same asked again.  The first ask reads its candidates' rows into SQLite's page cache;
asked again, they are there (a window or ``listen`` asking about the same music again).  The
library file is read through once at the start so that the operating system's cache holds it for
every method alike; with ``--drop-os-cache`` (root, Linux) the method ``now, file not cached`` runs
after the system's page cache has been dropped: the first search after a reboot.

With ``--match-bits M`` every method compares the codes' last ``M`` bits alone, as the app searches a
model with identity bits (the third and the fast model: 48), and the exact rule does too.

A second table times ``musictagger similar TRACK-ID --json`` from process start to answer (a
fresh interpreter each: the cold start of the command line) on the same file, reached through
a symbolic link in a private ``XDG_DATA_HOME``: first without a codes file (read from SQLite and
written), then with it current; the answer is checked against the exact rule.

Load time and its peak memory (resident set growth of a child process that only loads) come from
a separate process per method.  Every query's top k is checked against the exact rule:
:func:`codes.rank_by_hamming` with the search's shortlist (the rows within the Hamming distance
of the ``max(k, SHORTLIST)``-th nearest, by relaxed-code distance, then Hamming distance, then
row order) over every row other than the query within that distance, found by ``np.partition``.
The codes are random (the hard case: real libraries cluster, so fewer rows share a radius).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from musictagger.library import hamming
from musictagger.library.code_sidecar import read_codes, sidecar_path
from musictagger.library.search import CodeIndex, library_relaxed_codes
from musictagger.library.store import Library
from musictagger.model import codes

BATCH = 200_000
Search = Callable[[int], list[int]]
Method = tuple[Callable[[Library], Search], dict[tuple[object, str], object], int]
"""A method of the bench: its search on a library connection, the module settings it runs with, its resident bytes."""


def random_batches(n: int, n_bits: int, seed: int, windows: int) -> Iterator[np.ndarray]:
    """The relaxed codes of the bench library ``(rows, 1 + windows, K)``, each row's own code then its windows'
    (the own code's bits jittered: a track's windows resemble it), in the batches it is written in."""
    rng = np.random.default_rng(seed)
    for start in range(0, n, BATCH):
        own = rng.random((min(BATCH, n - start), 1, n_bits), dtype=np.float32)
        jitter = rng.normal(0, 0.2, (len(own), windows, n_bits)).astype(np.float32)
        yield np.concatenate([own, np.clip(own + jitter, 0, 1)], axis=1)


def build_library(path: Path, n: int, n_bits: int, seed: int, windows: int) -> None:
    """A library of ``n`` analysed rows of random codes (written straight, one transaction per batch)."""
    Library(path).close()  # the schema, by the app's own migrations
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    sql = (
        "INSERT INTO tracks (path, size, mtime_ns, model_id, windows, analysed_at, duration_s, verdict, genre,"
        " nearest_genre, confidence, uncertain, probabilities, n_bits, code, relaxed_code, window_relaxed)"
        " VALUES (?, 0, 0, 'bench', 3, ?, 30.0, 'genre', 'rock', 'rock', 1.0, 0, '{\"rock\": 1.0}', ?, ?, ?, ?)"
    )
    start = 0
    for batch in random_batches(n, n_bits, seed, windows):
        relaxed = batch[:, 0]
        packed = codes.pack(codes.binarize(relaxed)).astype("<u8")
        rows = (
            (
                f"/archive/{start + i:09d}.flac",
                float(start + i),
                n_bits,
                packed[i].tobytes(),
                relaxed[i].tobytes(),
                batch[i, 1:].tobytes() if windows else None,
            )
            for i in range(len(relaxed))
        )
        db.execute("BEGIN")
        db.executemany(sql, rows)
        db.execute("COMMIT")
        start += len(relaxed)
    db.close()


def load_before(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The previous release's ``Library.codes()``: every row fetched at once, then joined."""
    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT id, code, relaxed_code, n_bits FROM tracks WHERE code IS NOT NULL "
        "AND n_bits = (SELECT n_bits FROM tracks WHERE code IS NOT NULL GROUP BY n_bits ORDER BY COUNT(*) DESC LIMIT 1)"
        " ORDER BY id"
    ).fetchall()
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    packed = np.frombuffer(b"".join(row[1] for row in rows), dtype="<u8").astype(np.uint64)
    relaxed = np.frombuffer(b"".join(row[2] for row in rows), dtype="<f4").reshape(len(rows), rows[0][3])
    return ids, packed, relaxed


def peak_resident_kb() -> int:
    """This process's peak resident set (``VmHWM``: unlike ``ru_maxrss``, not inherited across fork and exec)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def measure_load(path: Path, method: str) -> dict[str, float]:
    """Time and peak resident-set growth of one load, in this (fresh) process."""
    before = peak_resident_kb()
    started = time.perf_counter()
    if method == "before":
        load_before(path)
    else:
        if method == "now":
            sidecar_path(path).unlink(missing_ok=True)
        with Library(path) as library:
            index = CodeIndex.from_library(library)
            assert read_codes(path, library.codes_stamp()) is not None
            index.packed.sum()  # read every code once, as the first query does
    seconds = time.perf_counter() - started
    peak = peak_resident_kb() - before
    return {"seconds": seconds, "peak_mb": peak / 1024}


def load_in_child(path: Path, method: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--measure-load", str(path), method], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output)


def time_queries(search: Search, queries: np.ndarray) -> list[float]:
    """Each query's time, in order."""
    timings = []
    for row in queries:
        started = time.perf_counter()
        search(int(row))
        timings.append(time.perf_counter() - started)
    return timings


@contextmanager
def settings_applied(settings: dict[tuple[object, str], object]) -> Iterator[None]:
    """Module settings (``{(module, name): value}``) in force for the block, restored after."""
    saved = {setting: getattr(*setting) for setting in settings}
    for (module, name), value in settings.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for (module, name), value in saved.items():
            setattr(module, name, value)


def read_through(path: Path) -> None:
    """Read ``path`` once, so the operating system's cache holds it for every method alike."""
    with path.open("rb") as file:
        while file.read(1 << 24):
            pass


def drop_os_cache() -> None:
    """Drop the system's page cache (Linux, root): the files are read from the disk again."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def exact_head(
    packed: np.ndarray, bits_of: Callable, relaxed: np.ndarray, query: int, k: int, match_bits: int
) -> list[int]:
    """The exact rule's top k excluding the query, over every other row within the shortlist's distance, by the
    codes' last ``match_bits`` bits (``relaxed``: every row's codes, ``(n, 1 + windows, K)``; the query is its own
    code)."""
    shortlist = max(k, codes.SHORTLIST)
    distances = codes.hamming_distances(packed[query], packed, mask=codes.trailing_mask(match_bits))
    bound = np.partition(distances, shortlist)[shortlist]
    rows = np.flatnonzero(distances <= bound)
    rows = rows[rows != query]
    compared = slice(-match_bits, None)
    order = codes.rank_by_hamming(
        bits_of(packed[query])[compared],
        bits_of(packed[rows])[:, compared],
        query_relaxed=relaxed[query, 0, compared],
        database_relaxed=relaxed[rows][..., compared],
        shortlist=shortlist,
    )
    return [int(rows[i]) for i in order][:k]


def bench_size(path: Path, n: int, args: argparse.Namespace) -> tuple[list[dict], list[dict]]:
    k, n_bits = args.k, args.bits
    match_bits = args.match_bits or n_bits
    relaxed = np.empty((n, 1 + args.windows, n_bits), np.float32)  # filled in place: no second copy at 10 GB
    start = 0
    for batch in random_batches(n, n_bits, args.seed, args.windows):
        relaxed[start : start + len(batch)] = batch
        start += len(batch)
    read_through(path)
    with Library(path) as library:
        index = CodeIndex.from_library(library)
    assert len(index) == n, f"{path} holds {len(index)} codes, not {n}: remove it to rebuild"
    checked, timed = np.split(np.random.default_rng(args.seed + 1).choice(n, size=2 * args.queries, replace=False), 2)

    def bits_of(packed: np.ndarray) -> np.ndarray:
        return codes.unpack(packed, n_bits)

    exact: dict[int, dict[int, list[int]]] = {}  # per shortlist length, each checked query's exact top k

    def expected_now() -> dict[int, list[int]]:
        if codes.SHORTLIST not in exact:
            exact[codes.SHORTLIST] = {
                int(q): exact_head(index.packed, bits_of, relaxed, int(q), k, match_bits) for q in checked
            }
        return exact[codes.SHORTLIST]

    def searching(relaxed_codes: Callable[[np.ndarray], np.ndarray]) -> Search:
        def search(row: int) -> list[int]:
            found = index.nearest(
                bits_of(index.packed[row]),
                relaxed[row, 0],
                k=k,
                relaxed_codes=relaxed_codes,
                exclude_rows=[row],
                match_bits=match_bits,
            )
            return [n.row for n in found]

        return search

    def now(library: Library) -> Search:
        return searching(library_relaxed_codes(library, index))

    def before(library: Library) -> Search:
        return searching(relaxed.__getitem__)

    def read_every_code(library: Library) -> Search:
        def search(row: int) -> list[int]:
            index.packed.sum()
            return []

        return search

    methods: dict[str, Method] = {}
    if n <= args.old_up_to:
        methods["before"] = (before, {(hamming, "COMPILED_FROM"): n + 1}, index.nbytes + relaxed.nbytes)
    methods["now"] = (now, {}, index.nbytes)
    methods["now, one thread"] = (now, {(hamming, "ROWS_PER_THREAD"): n + 1}, index.nbytes)
    methods["now, numpy"] = (now, {(hamming, "COMPILED_FROM"): n + 1}, index.nbytes)
    methods["memory read of the codes (floor)"] = (read_every_code, {}, index.packed.nbytes)
    for shortlist in args.shortlists:
        if shortlist != codes.SHORTLIST:
            methods[f"now, shortlist {shortlist}"] = (now, {(codes, "SHORTLIST"): shortlist}, index.nbytes)
    if args.drop_os_cache:
        methods["now, file not cached"] = (now, {}, index.nbytes)
    results = []
    for name, (make_search, settings, nbytes) in methods.items():
        floor = name.startswith("memory read")
        with settings_applied(settings):
            with Library(path) as library:
                search = make_search(library)
                mismatches = 0 if floor else sum(search(int(q)) != expected_now()[int(q)] for q in checked)
            if name == "now, file not cached":
                drop_os_cache()
            with Library(path) as library:  # a connection of its own: SQLite's page cache starts empty
                search = make_search(library)
                first = time_queries(search, timed)
                again = time_queries(search, timed)
        if name == "now, file not cached":
            read_through(path)
        load = load_in_child(path, name) if name in ("before", "now") else None
        results.append(
            {
                "tracks": n,
                "method": name,
                "load": load,
                "bytes": nbytes,
                "first": first,
                "again": again,
                "exact": None if floor else mismatches,
            }
        )
    results.append(
        {
            "tracks": n,
            "method": "now, codes file current",
            "load": load_in_child(path, "codes file"),
            "bytes": index.nbytes,
            "first": None,
        }
    )
    query = int(checked[0])
    # the bench's rows name no model the command knows, so it compares all their bits
    expected_ids = index.ids[exact_head(index.packed, bits_of, relaxed, query, k, n_bits)]
    cli = [time_command_line(path, n, index.ids[query], expected_ids, file) for file in (False, True)]
    return results, cli


def time_command_line(
    path: Path, n: int, track_id: int, expected_ids: np.ndarray, codes_file: bool
) -> dict[str, object]:
    """``musictagger similar TRACK-ID --json`` in a fresh process, on ``path`` as the user's library."""
    with tempfile.TemporaryDirectory(dir=path.parent) as home:
        library = Path(home) / "musictagger" / "library.sqlite3"
        library.parent.mkdir()
        library.symlink_to(path)  # SQLite follows the link: one database, one write-ahead log
        command = [sys.executable, __file__, "--command-line", "similar", str(track_id), "--json"]
        environment = os.environ | {"XDG_DATA_HOME": home}
        if codes_file:
            subprocess.run(command, check=True, capture_output=True, env=environment)  # writes the codes file
        started = time.perf_counter()
        process = subprocess.run(command, check=True, capture_output=True, text=True, env=environment)
        seconds = time.perf_counter() - started
        answer = json.loads(process.stdout)
    found = [match["id"] for match in answer["matches"]]
    return {
        "tracks": n,
        "codes file": codes_file,
        "seconds": seconds,
        "peak_mb": int(process.stderr.split()[-1]) / 1024,
        "exact": found == expected_ids.tolist(),
    }


def row(result: dict[str, object], queries: int) -> str:
    load = result["load"]
    load_text = f"{load['seconds']:.1f} | {load['peak_mb']:.0f}" if load else "– | –"
    if result["first"]:
        query_text = " | ".join(
            f"{statistics.median(timings) * 1e3:.2f} | {np.percentile(timings, 95) * 1e3:.2f}"
            for timings in (result["first"], result["again"])
        )
        exact_text = f"{queries - result['exact']} of {queries}" if result["exact"] is not None else "–"
    else:
        query_text, exact_text = "– | – | – | –", "–"
    return (
        f"| {result['tracks']:,} | {result['method']} | {load_text} | {result['bytes'] / result['tracks']:.0f} | "
        f"{query_text} | {exact_text} |"
    )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--measure-load":
        print(json.dumps(measure_load(Path(sys.argv[2]), sys.argv[3])))
        return
    if sys.argv[1:2] == ["--command-line"]:  # the CLI, then its peak resident set (KB) on stderr
        from musictagger.cli.main import main as command_line

        atexit.register(lambda: print(peak_resident_kb(), file=sys.stderr))
        sys.exit(command_line(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--bits", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--library-dir", type=Path, default=Path(tempfile.gettempdir()) / "musictagger-search-bench")
    parser.add_argument(
        "--old-up-to", type=int, default=10_000_000, help="measure the previous index only up to this many tracks"
    )
    parser.add_argument("--windows", type=int, default=3, help="window codes stored per track (the app: 3)")
    parser.add_argument(
        "--shortlists", type=int, nargs="+", default=[codes.SHORTLIST], help="also time these shortlist lengths"
    )
    parser.add_argument(
        "--match-bits",
        type=int,
        default=None,
        help="compare the codes' last bits alone, as the app does for a model with identity bits (48); default all",
    )
    parser.add_argument(
        "--drop-os-cache",
        action="store_true",
        help="also time queries after dropping the system's page cache (Linux, root): the first search after a reboot",
    )
    args = parser.parse_args()
    args.library_dir.mkdir(parents=True, exist_ok=True)
    load_at_start = os.getloadavg()
    results, cli = [], []
    for n in args.tracks:
        path = args.library_dir / f"library-{n}-{args.bits}bit-seed{args.seed}-windows{args.windows}.sqlite3"
        if not path.exists():
            started = time.perf_counter()
            build_library(path, n, args.bits, args.seed, args.windows)
            print(f"built {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        size_results, size_cli = bench_size(path, n, args)
        results += size_results
        cli += size_cli
    print(
        f"random {args.bits}-bit codes ({args.match_bits or args.bits} compared), {args.windows} window codes per track, "
        f"k = {args.k}, "
        f"{args.queries} queries per method, shortlist {codes.SHORTLIST} unless named; {os.cpu_count()} cores"
    )
    print("goal: ≤ 1 ms per query at 1 M codes, ≤ 10 ms at 10 M, ≤ 16 bytes per track beside the SQLite file")
    print(
        "| tracks | method | load s | load peak MB | resident B/track | first ask p50 ms | p95 ms "
        "| asked again p50 ms | p95 ms | top-k exact |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for result in results:
        print(row(result, args.queries))
    print()
    print("`musictagger similar TRACK-ID --json`, a fresh process each: start to answer")
    print("| tracks | codes file | start to answer s | peak MB | answer exact |")
    print("|---:|---|---:|---:|---|")
    for run in cli:
        codes_file = "current" if run["codes file"] else "absent: read SQLite, write the file"
        print(f"| {run['tracks']:,} | {codes_file} | {run['seconds']:.2f} | {run['peak_mb']:.0f} | {run['exact']} |")
    print(f"load average (1, 5, 15 min): {load_at_start} at the start, {os.getloadavg()} at the end")


if __name__ == "__main__":
    main()
