"""Keeping the index current: the watcher and the scan find changes, ingest reads one
file in, and the service (one worker thread) applies them and embeds the backlog."""
from desktop_search.core.indexing.ingest import Counters, Outcome
from desktop_search.core.indexing.service import IndexService, add_root
from desktop_search.core.indexing.state import (BUSY, Command, Listener, NullListener, Reindex,
                                                RemoveRoot, Rescan, Snapshot, State, Waiting)

__all__ = ["BUSY", "Command", "Counters", "IndexService", "Listener", "NullListener", "Outcome",
           "Reindex", "RemoveRoot", "Rescan", "Snapshot", "State", "Waiting", "add_root"]
