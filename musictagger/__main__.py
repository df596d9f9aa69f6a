"""``python -m musictagger`` is the ``musictagger`` command."""

import sys

from musictagger.cli.entry import musictagger

sys.exit(musictagger())
