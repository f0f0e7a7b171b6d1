"""The catalog's database: its connections (one a thread), its transactions (one writer;
nested ones are savepoints), the log of passages a transaction added and dropped that the
commit hook hands to the word index, and the meta table. ``Catalog`` adds the rows.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from desktop_search.core.store import schema
from desktop_search.core.meta import Meta
from desktop_search.core.store.session import Session
from desktop_search.core.store.word_index import Source
from desktop_search.errors import DesktopSearchError, IndexCorrupt

log = logging.getLogger(__name__)

#: how a durable commit (one that ends a batch of files) is synced; NORMAL for the others
DURABLE_SYNC = "FULL"


class Database:
    """Thread-safe: each thread reads through its own connection; writes are serialized."""

    def __init__(self, path: Path, *, migrate: bool = True, check: bool | None = None) -> None:
        """Open (or create) the catalog. With ``migrate=False`` an older layout raises
        ``CatalogNeedsUpgrade`` instead of being upgraded (a reader must not write while
        another process owns the data folder).

        ``check`` runs SQLite's ``quick_check`` (seconds at a million passages): by default
        only when a process that had the catalog open died without closing it.
        """
        self.path = Path(path)
        self.read_only = not migrate
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._session: Session | None = None
        self._tx_added: list[Source] = []
        self._tx_dropped: list[int] = []
        #: told (passages added, passage ids dropped) after each outermost commit, still
        #: under the write lock: the word index follows the catalog through it
        self.on_commit: Callable[[list[Source], list[int]], None] | None = None
        #: called after the write lock is released when a commit changed passages
        self.after_commit: Callable[[], None] | None = None
        unclean = Session.reap_stale(self.path)
        #: whether this open ran the integrity check (after an unclean shutdown, or asked)
        self.checked = bool(check) if check is not None else (unclean or not Session.supported)
        try:
            conn = self.connection()
            ok = conn.execute("PRAGMA quick_check").fetchone()[0] if self.checked else "ok"
            if ok == "ok":
                schema.ensure_current(conn, path=self.path, migrate=migrate,
                                      transaction=self.transaction)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise IndexCorrupt(f"the catalog {self.path} is damaged: {exc}") from None
        except DesktopSearchError:
            self.close()
            raise
        if ok != "ok":
            self.close()
            raise IndexCorrupt(f"the catalog {self.path} is damaged: {ok}")
        self._session = Session.start(self.path)

    def quick_check(self) -> str:
        """SQLite's own structural check: "ok", or what is damaged (for ``doctor``)."""
        try:
            return str(self.connection().execute("PRAGMA quick_check").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            return str(exc)

    # -- connections -------------------------------------------------------------------
    def connection(self) -> sqlite3.Connection:
        """This thread's connection, for reads by the store's own table classes."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    @property
    def write_lock(self) -> threading.RLock:
        """Held by every write; a copy that must not see a half-applied change takes it."""
        return self._write_lock

    def close(self) -> None:
        with self._conns_lock:
            for c in self._conns:
                try:
                    c.close()
                except sqlite3.Error:
                    pass
            self._conns.clear()
        self._local = threading.local()
        if self._session is not None:
            self._session.end()
            self._session = None

    @contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One atomic write. Nested in another (a batch of files), it is a savepoint:
        its failure undoes only itself, and the outer one commits everything at once.
        The word index follows once the outermost one has committed.

        ``durable``: the commit is on disk when this returns (``synchronous=FULL`` for it:
        the WAL is fsynced, with every commit before it). Other commits are ``NORMAL``: a
        power cut (not a kill: the OS keeps what was written) may roll back those made since
        the last durable one or checkpoint: vectors and notes, made again on the next run."""
        added: list[Source] = []
        dropped: list[int] = []
        with self._write_lock:
            conn = self.connection()
            depth = getattr(self._local, "depth", 0)
            name = f"sp{depth}"
            if depth:
                marks = (len(self._tx_added), len(self._tx_dropped))
                conn.execute(f"SAVEPOINT {name}")
            else:
                self._tx_added = []
                self._tx_dropped = []
                if durable:
                    conn.execute(f"PRAGMA synchronous={DURABLE_SYNC}")
                conn.execute("BEGIN IMMEDIATE")
            self._local.depth = depth + 1
            try:
                yield conn
            except BaseException:
                if depth:
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                    del self._tx_added[marks[0]:]      # the word index never sees it
                    del self._tx_dropped[marks[1]:]
                else:
                    conn.execute("ROLLBACK")
                    self._tx_added, self._tx_dropped = [], []
                raise
            else:
                if depth:
                    conn.execute(f"RELEASE {name}")
                else:
                    conn.execute("COMMIT")
                    added, dropped = self._tx_added, self._tx_dropped
                    self._tx_added, self._tx_dropped = [], []
                    if (added or dropped) and self.on_commit is not None:
                        self.on_commit(added, dropped)
            finally:
                self._local.depth = depth
                if durable and not depth:
                    conn.execute("PRAGMA synchronous=NORMAL")
        if (added or dropped) and self.after_commit is not None:
            self.after_commit()

    # -- meta ----------------------------------------------------------------------------
    def get_meta(self, key: Meta | str, default: str | None = None) -> str | None:
        """The raw accessor (the store's tables); elsewhere ``Library.meta``."""
        name = key.value if isinstance(key, Meta) else key
        row = self.connection().execute("SELECT value FROM meta WHERE key=?", (name,)).fetchone()
        return str(row[0]) if row else default

    def set_meta(self, key: Meta | str, value: str, conn: sqlite3.Connection | None = None) -> None:
        name = key.value if isinstance(key, Meta) else key
        sql = "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value"
        if conn is not None:
            conn.execute(sql, (name, value))
        else:
            with self.transaction() as c:
                c.execute(sql, (name, value))

    def vector_generation(self) -> int:
        return int(self.get_meta(Meta.VECTOR_GENERATION, "0") or 0)

    def bump_generation(self, conn: sqlite3.Connection) -> None:
        """Every change of what the vector index must hold moves this (inside a write)."""
        conn.execute(
            "INSERT INTO meta(key, value) VALUES('vector_generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER) + 1")


def where_in(conn: sqlite3.Connection, sql: str, ids: Iterable[int]) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` (its ``{}`` the placeholders) over ids, 500 a statement."""
    ids = [int(i) for i in ids]
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        yield from conn.execute(sql.format(",".join("?" * len(part))), part)
