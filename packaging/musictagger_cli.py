"""The bundle's ``musictagger`` executable: the command line (PyInstaller's entry script)."""

import multiprocessing
import sys

from musictagger.cli.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # `index` and `tag` spawn worker processes: in a frozen app they re-run this executable
    sys.exit(main())
