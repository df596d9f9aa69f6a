"""The bundle's ``musictagger`` executable: the command line, through the installed script's entry point (PyInstaller's
entry script; :mod:`musictagger.cli.entry`: Ctrl-C while the modules import ends it quietly)."""

import multiprocessing
import sys

from musictagger.cli.entry import musictagger

if __name__ == "__main__":
    multiprocessing.freeze_support()  # `index` and `tag` spawn worker processes: in a frozen app they re-run this executable
    sys.exit(musictagger())
