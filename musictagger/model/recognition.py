"""When live listening may say a library track *is* what it hears, not only the nearest one.

The library's search always has a nearest track, even for speech, a cat or music the library does not hold; naming
it as what is playing would be a claim the distance does not support (with the third model a capture of
speech-like noise lay 21 of 48 identity bits from its nearest track, about chance).  The sidecar's ``recognition``
section (a :class:`RecognitionPolicy`, chosen from data by ``musictagger recognition``) says how near the heard
code's relaxed code must come to the nearest track's (the distance the search orders by, over the bits it compares:
:attr:`~musictagger.library.search.Match.relaxed_distance`) for the track to be named as playing.  A model without
the section never names one: its matches are only the nearest.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from musictagger.errors import ModelError


@dataclass(frozen=True)
class RecognitionPolicy:
    """The sidecar's ``recognition`` section.

    ``within``: a heard code whose nearest library track lies closer than this (relaxed distance over the compared
    bits) is that track playing.  ``chosen_on`` says on what data, ``figures`` what the choice did there and on
    held-out data (shares of queries, for the user who asks how often it is right).
    """

    within: float
    chosen_on: str = ""
    figures: dict[str, Any] | None = None

    def recognises(self, relaxed_distance: float) -> bool:
        """Whether a nearest track ``relaxed_distance`` away is the music heard."""
        return relaxed_distance < self.within

    def to_dict(self) -> dict[str, Any]:
        """The sidecar's ``recognition`` section (what :meth:`from_dict` reads back)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RecognitionPolicy | None:
        """The policy of a sidecar's section; None for a sidecar without one (the model never names a track)."""
        if not data:
            return None
        within = data.get("within")
        if isinstance(within, bool) or not isinstance(within, int | float) or not math.isfinite(within) or within <= 0:
            raise ModelError(f"malformed recognition policy: within must be a positive number, got {within!r}")
        try:
            return cls(**{**data, "within": float(within)})
        except TypeError as exc:
            raise ModelError(f"malformed recognition policy: {exc}") from exc


def playing(policy: RecognitionPolicy | None, relaxed_distance: float) -> bool | None:
    """Whether the nearest library track, ``relaxed_distance`` away from what is heard, is the music playing; None
    when the model cannot tell (its sidecar has no policy)."""
    return None if policy is None else policy.recognises(relaxed_distance)
