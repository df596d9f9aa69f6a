"""The bundle's ``musictagger-gui`` executable: the window, through the installed program's entry point (PyInstaller's
entry script; :mod:`musictagger.cli.entry`)."""

import multiprocessing
import sys

from musictagger.cli.entry import musictagger_gui

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the analysis process is spawned: in a frozen app it re-runs this executable
    sys.exit(musictagger_gui())
