"""Telling a chained Ogg file (links joined end to end, as stream recorders save them) from one stream or several
multiplexed ones: by the serial numbers of its first pages and its last (:func:`ogg_structure.streams`), and by
walking its pages where it does not end with a whole page; from one open of the file."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from pathlib import Path

import av
import pytest

from musictagger.audio.reader import open_reader
from musictagger.file_bytes import mapped_bytes
from musictagger.tags import ogg_structure
from tests.audio.signals import piece, write

SR = 44100


@pytest.fixture
def links(tmp_path: Path) -> list[Path]:
    """Three Ogg Vorbis files of a few seconds, each with its own serial number, as libsndfile writes them."""
    return [
        write(tmp_path / f"link{seed}.ogg", piece(seed, sr=SR, seconds=3.0), SR, "ogg-vorbis") for seed in (1, 2, 3)
    ]


def chained(path: Path) -> bool:
    return ogg_structure.streams(mapped_bytes(path)).chained


def multiplexed(path: Path) -> bool:
    return ogg_structure.streams(mapped_bytes(path)).multiplexed


def joined(path: Path, *parts: Path | bytes) -> Path:
    path.write_bytes(b"".join(part if isinstance(part, bytes) else part.read_bytes() for part in parts))
    return path


def test_files_of_two_or_three_links_are_chained_and_each_link_alone_is_not(tmp_path: Path, links: list[Path]) -> None:
    assert [chained(link) for link in links] == [False, False, False]
    assert chained(joined(tmp_path / "two.ogg", *links[:2]))
    assert chained(joined(tmp_path / "three.ogg", *links))


def test_a_multiplexed_file_is_not_chained_and_a_chain_of_them_is(tmp_path: Path) -> None:
    """Two Opus streams in one file (a language each) all begin before any other page: one link."""
    paths = []
    for seed in (1, 2):
        paths.append(tmp_path / f"both{seed}.opus")
        with av.open(str(paths[-1]), "w", format="ogg") as out:
            streams = [out.add_stream("libopus", rate=48000, layout="mono") for _ in range(2)]
            for stream in streams:
                frame = av.AudioFrame.from_ndarray(
                    piece(seed, sr=48000, seconds=2.0)[None], format="flt", layout="mono"
                )
                frame.sample_rate, frame.pts, frame.time_base = 48000, 0, Fraction(1, 48000)
                for packet in [*stream.encode(frame), *stream.encode(None)]:
                    out.mux(packet)

    assert multiplexed(paths[0]) and not chained(paths[0])
    assert chained(joined(tmp_path / "chain.opus", *paths))


def test_a_chain_not_ending_with_a_whole_page_is_told_by_its_pages(tmp_path: Path, links: list[Path]) -> None:
    """A tag a tool appended (ID3v1's 128 bytes), or a recording cut short in its last link: the last page is not
    there whole, so the pages are walked as far as they go."""
    trailer = b"TAG" + bytes(125)
    chain = joined(tmp_path / "chain.ogg", *links[:2]).read_bytes()
    assert chained(joined(tmp_path / "tagged.ogg", chain, trailer))
    assert chained(joined(tmp_path / "cut.ogg", chain[: -links[1].stat().st_size // 2]))
    assert not chained(joined(tmp_path / "one_tagged.ogg", links[0], trailer))
    assert not chained(joined(tmp_path / "one_cut.ogg", links[0].read_bytes()[:-1000]))


def test_oggs_inside_the_last_pages_audio_is_not_taken_for_its_header(tmp_path: Path, links: list[Path]) -> None:
    """``OggS`` may occur within a page's segments: only a header describing a page that ends the file is the last
    page's (here the bytes after the stray ``OggS`` describe none; the last page's own header is found before it)."""
    one = bytearray(links[0].read_bytes())
    last = list(ogg_structure.pages(bytes(one)))[-1]
    assert last.end - last.body > 100
    one[-100:-96] = b"OggS"

    assert not chained(joined(tmp_path / "stray.ogg", bytes(one)))
    assert chained(joined(tmp_path / "stray_chain.ogg", links[1], bytes(one)))


def test_a_recording_begun_within_a_stream_is_told_by_its_pages(tmp_path: Path, links: list[Path]) -> None:
    """A recorder that joined a broadcast mid-stream saves no first page of its first link: no stream is begun
    where the file starts, so its pages are walked, and the next link begins a chain."""
    first = links[0].read_bytes()
    joined_late = first[next(ogg_structure.pages(first)).end :]
    assert chained(joined(tmp_path / "late_chain.ogg", joined_late, links[1]))
    assert not chained(joined(tmp_path / "late.ogg", joined_late))


@pytest.mark.parametrize("chain", [False, True], ids=["one-link", "chained"])
def test_an_ogg_file_is_opened_once_to_tell_how_to_read_it(
    tmp_path: Path, links: list[Path], opened: Counter[str], chain: bool
) -> None:
    """Reading an Ogg file opened and walked it for is_chained, then again for is_multiplexed, and a chain's whole
    decode did both again: 6 opens of a file (9 of a chain) and two walks of its first pages (three), on a USB disk
    or a network share.  One open (its head and its pages, mapped) tells now, beside the first look at its head
    that every file gets (``check_file``; a chain's whole decode looks again); the decoders open it in C, unseen
    here."""
    path = joined(tmp_path / "chain.ogg", *links[:2]) if chain else links[0]
    opened.clear()  # writing the chain opened it

    with open_reader(path) as reader:
        samples = reader.read(0, reader.n_samples)

    assert abs(samples.shape[-1] - (2 if chain else 1) * 3 * SR) < SR // 10  # every link read
    assert opened[path.name] == (3 if chain else 2)
