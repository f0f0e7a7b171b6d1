"""The bundle's executable: the CLI (the window with no command), as ``desktop-search``."""
import multiprocessing
import sys

if __name__ == "__main__":
    # the indexer's sandboxed reader is a spawned child: in the bundle it is this same
    # executable, told by freeze_support to run the child's code instead of the CLI
    multiprocessing.freeze_support()
    from desktop_search.cli import main

    sys.exit(main())
