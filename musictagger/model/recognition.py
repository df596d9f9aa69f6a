"""When live listening may say a library track *is* what it hears, not only the nearest one.

The library's search always has a nearest track, even for speech, a cat or music the library does not hold; naming
it as what is playing would be a claim the distance does not support (with the third model a capture of
speech-like noise lay 21 of 48 identity bits from its nearest track, about chance).  The sidecar's ``recognition``
section (a :class:`RecognitionPolicy`, chosen from data by ``musictagger recognition``) says when the nearest track
is the music heard, from two relaxed distances (the distance the search orders by, over the bits it compares:
:attr:`~musictagger.library.search.Match.relaxed_distance`):

* the nearest track's must be under ``within``;
* and under ``margin`` times the distance to the nearest *other music*: the first match after it that is not the same
  music as it (:func:`same_music`).  A room's capture of a library track can lie as far from it as a song the
  library does not hold lies from its nearest track, but the capture's next match is much farther than its first,
  where the song's first and next matches are alike (a ratio test, as in matching image features).

A model without the section never names a track: its matches are only the nearest.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from musictagger.errors import ModelError

SAME_MUSIC = 0.4
"""Two library tracks whose own relaxed codes (over the compared bits) lie closer than this hold the same music: a
copy of a file or another encoding of it (near 0), or another excerpt of one recording.  Such a track is no rival
to the first match.  On Emotify, which holds six titles twice under two numbers and a track with its remix, five
of those pairs (one recording each) and the remix lie 0.22-0.39 apart with the third model and 0.20-0.45 with the
fast one, whose rock/72 and 75 (0.45) are thus rivals, the stricter side; the sixth title is two recordings (pop/53
and 73, 1.86 apart).  The nearest two different songs, of one band, lie 0.58 and 0.50 apart, and 95 % of the
tracks farther than 0.93 from any other."""


MATCHES_LISTED = 10
"""How many matches the search lists for what is heard (the Live panel's table; ``listen`` searches as many), and
so how far down them the nearest other music is looked for."""


def _positive(value: object, key: str) -> float:
    """The section's value of ``key`` as a positive float."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ModelError(f"malformed recognition policy: {key} must be a positive number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class RecognitionPolicy:
    """The sidecar's ``recognition`` section.

    ``within``: the nearest track is the music heard only when it lies closer than this.  ``margin``: and only when
    it lies closer than ``margin`` times the nearest other music (None: no such test, a policy chosen before it
    was).  ``chosen_on`` says on what data, ``figures`` what the choice did there and on held-out data (shares of
    queries, for the user who asks how often it is right).
    """

    within: float
    margin: float | None = None
    chosen_on: str = ""
    figures: dict[str, Any] | None = None

    def recognises(self, relaxed_distance: float, other_music: float | None) -> bool:
        """Whether a nearest track ``relaxed_distance`` away is the music heard, the nearest other music
        ``other_music`` away (None: no other music among the matches)."""
        if relaxed_distance >= self.within:
            return False
        return self.margin is None or other_music is None or relaxed_distance < self.margin * other_music

    def to_dict(self) -> dict[str, Any]:
        """The sidecar's ``recognition`` section (what :meth:`from_dict` reads back)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RecognitionPolicy | None:
        """The policy of a sidecar's section; None for a sidecar without one (the model never names a track)."""
        if not data:
            return None
        try:
            margin = data.get("margin")  # None: a policy chosen before the margin was
            return cls(
                **{
                    **data,
                    "within": _positive(data.get("within"), "within"),
                    "margin": None if margin is None else _positive(margin, "margin"),
                }
            )
        except TypeError as exc:
            raise ModelError(f"malformed recognition policy: {exc}") from exc


def same_music(code: np.ndarray, other: np.ndarray) -> bool:
    """Whether two library tracks' own relaxed codes (over the compared bits) hold the same music (:data:`SAME_MUSIC`)."""
    return float(np.linalg.norm(np.asarray(code, np.float64) - np.asarray(other, np.float64))) < SAME_MUSIC


def other_music(first_code: np.ndarray | None, candidates: Iterable[tuple[np.ndarray | None, float]]) -> float | None:
    """The relaxed distance of the first of ``candidates`` (each match after the first, in the search's order: its
    own relaxed code and its relaxed distance to what is heard) that is not the same music as the first match, whose
    own code is ``first_code``; None when every one is.  A code that is None (a track whose analysis is gone since
    the search's index was read) is never the same music: not knowing, the stricter test is kept, where skipping it
    named a first match against a farther track, or with no margin at all."""
    return next(
        (
            distance
            for code, distance in candidates
            if first_code is None or code is None or not same_music(first_code, code)
        ),
        None,
    )


def playing(policy: RecognitionPolicy | None, relaxed_distance: float, other: float | None) -> bool | None:
    """Whether the nearest library track, ``relaxed_distance`` away from what is heard, is the music playing, the
    nearest other music ``other`` away (:func:`other_music`); None when the model cannot tell (its sidecar has no
    policy)."""
    return None if policy is None else policy.recognises(relaxed_distance, other)
