"""``python -m musictagger`` is the ``musictagger`` command."""

import sys

from musictagger.cli.main import main

sys.exit(main())
