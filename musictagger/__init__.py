"""musictagger: listens to music and tags it.

``musictagger.analyze(path)`` predicts the genre and hash code of a file with the shipped
model.  It is loaded on first use, so ``import musictagger`` stays cheap and never pulls in
onnxruntime, scikit-learn or (ever) torch until asked.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.5.0"
__all__ = ["__version__", "analyze"]


def __getattr__(name: str) -> Any:
    if name == "analyze":
        from musictagger.model.runtime import analyze

        return analyze
    raise AttributeError(f"module 'musictagger' has no attribute {name!r}")
