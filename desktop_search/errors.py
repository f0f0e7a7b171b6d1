"""One family of typed errors a user can read and act on.

Every error carries a short, human sentence in ``str(err)``; the CLI prints it on one
line and the window shows it in the status bar or the failed-files list.
"""
from __future__ import annotations


class DesktopSearchError(Exception):
    """Base of every error meant for the user (never a bug)."""


class ConfigError(DesktopSearchError):
    """A setting is invalid or the data folder cannot be used."""


class ModelError(DesktopSearchError):
    """The embedding model cannot be loaded."""


class IndexCorrupt(DesktopSearchError):
    """The on-disk index is damaged; ``doctor --repair`` rebuilds it."""


class ExtractError(DesktopSearchError):
    """A file cannot be turned into text. ``str(err)`` is the reason shown to the user."""

    #: whether trying again later may succeed (file vanished mid-read, locked, ...)
    transient: bool = False


class UnsupportedFile(ExtractError):
    """No reader knows this kind of file."""


class BinaryFile(ExtractError):
    """The file holds binary data, not text."""


class CorruptFile(ExtractError):
    """The file is damaged or not what its name says."""


class EncryptedFile(ExtractError):
    """The file is password-protected."""


class TooLarge(ExtractError):
    """The file (or what it unpacks to) is larger than the size cap."""


class FileVanished(ExtractError):
    """The file disappeared or became unreadable while being read."""

    transient = True
