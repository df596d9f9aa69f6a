"""musictagger: listens to music and tags it."""

__version__ = "0.1.0"
