"""``python -m desktop_search``: the CLI; with no subcommand it opens the window."""
from desktop_search.cli import main

raise SystemExit(main())
