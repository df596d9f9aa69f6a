"""musictagger: listens to music and tags it.

``musictagger.analyze(path)`` predicts the genre and hash code of a file with the shipped
model.  It is loaded on first use, so ``import musictagger`` stays cheap and never pulls in
onnxruntime, scikit-learn or (ever) torch until asked.  It imports nothing at all: the programs run it before
they can hold Ctrl-C back (:mod:`musictagger.cli.entry`), and typing's import was 2-6 ms of Ctrl-C tracebacks.

The rest of the Python API: :func:`musictagger.model.runtime.load_model` for a model to keep
(``analyze_signal`` for samples already decoded; one model serves many threads), :mod:`musictagger.library`
for the library index and its search, and :mod:`musictagger.errors` for what each call raises (every one a
``MusictaggerError``).
"""

TYPE_CHECKING = False
if TYPE_CHECKING:  # what ``analyze`` is, for type checkers alone
    from musictagger.model.runtime import analyze

__version__ = "0.5.0"
__all__ = ["__version__", "analyze"]


def __dir__() -> list[str]:
    """The module's names with ``analyze``, which it imports only when asked: a notebook's completion lists what
    ``dir`` gives, and offered no ``musictagger.analyze``."""
    return sorted({*globals(), *__all__})


def __getattr__(name: str) -> object:
    if name == "analyze":
        from musictagger.model.runtime import analyze

        return analyze
    raise AttributeError(f"module 'musictagger' has no attribute {name!r}")
