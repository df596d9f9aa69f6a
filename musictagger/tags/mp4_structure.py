"""Whether mutagen's writer can rewrite an MP4 file's tags without damaging the file.

mutagen grows or shrinks the ``moov`` atom in place and moves what follows it, correcting the offsets that
point past the tags: the chunk offsets of ``stco`` and ``co64`` atoms, and the base offsets of the first
``moof`` fragment only.  In a fragmented file (FFmpeg's ``-movflags frag_keyframe``, files cut for
streaming) every later fragment keeps offsets to where its audio was, and the ``mfra`` index at the end keeps
the fragments' old places: checked, a file in six fragments no longer decodes after a genre is written, though
its ``mdat`` atoms hold the same bytes (which is all the audio check compares).  :func:`mp4_rewrite_problem`
says so, and tagging leaves such a file alone.
"""

from __future__ import annotations

from pathlib import Path

from mutagen.mp4 import AtomError, Atoms


def fragment_count(atoms: Atoms) -> int:
    """How many fragments (``moof`` atoms) hold an MP4 file's audio: 0 in a file that is not fragmented."""
    return sum(atom.name == b"moof" for atom in atoms.atoms)


def mp4_rewrite_problem(path: Path) -> str | None:
    """Why rewriting ``path``'s MP4 tags would damage it (a phrase to which callers add the file's name), or
    None when it would not, or when its atoms cannot be read (mutagen's own reading then says why)."""
    try:
        with open(path, "rb") as file:
            count = fragment_count(Atoms(file))
    except AtomError:
        return None
    if not count:
        return None
    fragments = "1 fragment" if count == 1 else f"{count} fragments"
    return (
        f"it is a fragmented MP4 file ({fragments}), whose offsets mutagen's writer does not all correct when "
        "it moves them: writing its tags would damage it"
    )
