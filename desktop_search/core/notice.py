"""One channel for what the user must be told: a file that failed and a model that failed
are not the same message.

The indexing service and the engine hand ``Notice``s to their listener; the window shows
a file's notice in the failed-files list and anything else in the status area, the CLI
prints them on stderr.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(str, enum.Enum):
    INFO = "info"          # worth a line in the status area (a folder is offline)
    WARNING = "warning"    # one file was skipped or failed: the rest goes on
    ERROR = "error"        # something stops (the model failed, the disk is full)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Notice:
    level: Level
    text: str
    #: the file or folder it is about, or None when it is about the app
    path: str | None = None
    #: a file deliberately not indexed (too large, binary) rather than one that failed
    skipped: bool = False

    @classmethod
    def file(cls, path: str, reason: str, *, skipped: bool = False) -> "Notice":
        """A file that could not be indexed, and why."""
        return cls(Level.WARNING, reason, path, skipped)

    @classmethod
    def error(cls, text: str) -> "Notice":
        return cls(Level.ERROR, text)

    @classmethod
    def info(cls, text: str, path: str | None = None) -> "Notice":
        return cls(Level.INFO, text, path)
