"""One owner per data folder: the process that writes holds a lock, others read or hand off.

Whichever process writes the index (the window, ``watch``, ``index``, ``remove``,
``doctor --repair``) holds an exclusive lock on ``owner.lock`` in the data folder, the way
SQLite and Recoll do it: an OS lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on
Windows), released by the kernel the moment the process ends, however it ends. So a lock
left by a killed process does not exist: the next process takes it at once. (The
``filelock`` package was considered: it silently falls back to a marker file that is *not*
released by the OS on file systems without ``flock``, and it truncates the lock file on
every attempt, which would erase the owner's name; twenty lines of stdlib do exactly this.)

The owner writes its pid, its kind and its start time into the lock file, so whoever comes
second can name it. A long-lived owner (the window, ``watch``) also listens on a private
local channel (``multiprocessing.connection``: a Unix socket in the 0700 data folder, a
named pipe on Windows; a random key in the lock file authenticates callers), so a second
window can ask the first to come to the front and ``index PATH`` can hand its folders over
instead of fighting over the backlog.

No Qt here: the window registers a handler and turns requests into signals itself.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from multiprocessing.connection import Connection
from typing import Callable

from desktop_search.i18n import N_, _
from desktop_search.errors import DesktopSearchError

log = logging.getLogger(__name__)

LOCK_NAME = "owner.lock"
SOCKET_NAME = "owner.sock"
#: Windows locks are mandatory: lock a byte far past the owner's details so they stay readable.
_WIN_LOCK_OFFSET = 1 << 20
#: how long a contender keeps trying while the lock's holder looks dead or is still writing
#: its details (the window between another process's lock and its first write)
_SETTLE_S = 1.0

KINDS = ("window", "watch", "index", "remove", "doctor", "upgrade")

_DESCRIPTIONS = {
    "window": N_("the Desktop Search window"),
    "watch": "`desktop-search watch`",
    "index": "`desktop-search index`",
    "remove": "`desktop-search remove`",
    "doctor": "`desktop-search doctor --repair`",
    "upgrade": N_("a catalog upgrade"),
}


@dataclass(frozen=True, slots=True)
class OwnerInfo:
    """Who holds a data folder, as written in its lock file."""

    pid: int
    kind: str
    started: float
    host: str = ""
    #: where the owner listens for hand-offs; None when it takes none (a short CLI command)
    address: str | None = None
    authkey: str | None = None
    #: the requests this owner answers (e.g. "show", "add", "remove")
    accepts: tuple[str, ...] = ()

    def describe(self, *, translated: bool = False) -> str:
        """'the Desktop Search window (pid 4242, since 12:10)' for a message: English for
        what the command line prints (scripts read it), ``translated`` for a dialog."""
        tr = _ if translated else str
        what = tr(_DESCRIPTIONS.get(self.kind, self.kind))
        since = time.strftime("%H:%M", time.localtime(self.started))
        return tr(N_("{what} (pid {pid}, since {time})")).format(what=what, pid=self.pid, time=since)

    @classmethod
    def from_json(cls, text: str) -> "OwnerInfo | None":
        try:
            raw = json.loads(text)
            return cls(pid=int(raw["pid"]), kind=str(raw["kind"]), started=float(raw["started"]),
                       host=str(raw.get("host", "")), address=raw.get("address"),
                       authkey=raw.get("authkey"), accepts=tuple(raw.get("accepts", ())))
        except (ValueError, KeyError, TypeError):
            return None


class DataFolderBusy(DesktopSearchError):
    """Another process owns the data folder; ``owner`` names it when known."""

    def __init__(self, data_dir: Path, owner: OwnerInfo | None, *, hint: str = "") -> None:
        self.data_dir = Path(data_dir)
        self.owner = owner
        who = owner.describe() if owner else "another process"
        msg = f"the index in {data_dir} is in use by {who}"
        super().__init__(msg + (f"; {hint}" if hint else ""))


class HandOffError(DesktopSearchError):
    """The owner could not be reached or refused a request."""


# -- the OS lock ------------------------------------------------------------------------
def _lock_fd(fd: int, *, shared: bool = False) -> bool:
    """Try to lock without waiting; False when another open file holds it."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
        return True
    import fcntl

    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        raise DesktopSearchError(f"cannot lock {LOCK_NAME}: {exc.strerror or exc}") from None
    return True


def _unlock_fd(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def _open_lock_file(data_dir: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        return os.open(Path(data_dir) / LOCK_NAME, flags, 0o600)
    except OSError as exc:
        raise DesktopSearchError(f"cannot open {Path(data_dir) / LOCK_NAME}: "
                                 f"{exc.strerror or exc}") from None


def _read_info(data_dir: Path) -> OwnerInfo | None:
    try:
        with open(Path(data_dir) / LOCK_NAME, "rb") as f:
            text = f.read(64 * 1024).split(b"\0", 1)[0].decode("utf-8", "replace")
    except OSError:
        return None
    return OwnerInfo.from_json(text) if text.strip() else None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def current_owner(data_dir: str | os.PathLike[str]) -> OwnerInfo | None:
    """The process holding the data folder now, or None. Never blocks, never takes it."""
    data_dir = Path(data_dir)
    if not (data_dir / LOCK_NAME).exists():
        return None
    fd = _open_lock_file(data_dir)
    try:
        if _lock_fd(fd, shared=True):   # nobody holds it (a writer's attempt retries past this)
            _unlock_fd(fd)
            return None
    finally:
        os.close(fd)
    return _read_info(data_dir) or OwnerInfo(pid=0, kind="unknown", started=time.time())


# -- hand-off requests ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Request:
    """What a second process asks the owner: ``show`` the window, ``add`` folders,
    ``remove`` a folder."""

    command: str
    paths: tuple[str, ...] = ()

    def to_json(self) -> bytes:
        return json.dumps({"command": self.command, "paths": list(self.paths)}).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "Request":
        raw = json.loads(data.decode("utf-8"))
        return cls(command=str(raw["command"]), paths=tuple(str(p) for p in raw.get("paths", ())))


@dataclass(frozen=True, slots=True)
class Reply:
    ok: bool
    message: str = ""


Handler = Callable[[Request], Reply]


def _family() -> str:
    return "AF_PIPE" if os.name == "nt" else "AF_UNIX"


#: a caller has this long to authenticate and send its request; then it is cut off
HANDSHAKE_DEADLINE_S = 10.0


class _HandOffServer:
    """Answers requests on a private local channel. Accepting is all its own thread does:
    each caller is answered on a thread of its own, within a deadline, so a caller that
    connects and says nothing holds up nobody (requests still reach the handler one at a
    time)."""

    def __init__(self, data_dir: Path, handler: Handler) -> None:
        from multiprocessing.connection import Listener

        self.authkey = secrets.token_bytes(32)
        address: str | None = None
        if os.name != "nt":
            sock = Path(data_dir) / SOCKET_NAME
            if len(os.fsencode(sock)) < 100:   # sun_path holds ~104 bytes
                sock.unlink(missing_ok=True)    # a killed owner's: we hold the lock now
                address = str(sock)
        # no authkey here: Listener.accept() would run the handshake on the accepting thread
        self._listener = Listener(address, family=_family())
        self.address = str(self._listener.address)
        self._handler = handler
        self._one_at_a_time = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="desktop-search-handoff",
                                        daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn = self._listener.accept()
            except (OSError, EOFError) as exc:
                if self._closed.is_set():
                    return
                log.warning("hand-off: refused a connection (%s)", exc)
                continue
            if self._closed.is_set():
                conn.close()
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True,
                             name="desktop-search-handoff-caller").start()

    def _answer(self, conn: Connection) -> None:
        from multiprocessing import AuthenticationError
        from multiprocessing.connection import answer_challenge, deliver_challenge

        cut = threading.Timer(HANDSHAKE_DEADLINE_S, _hang_up, args=(conn,))
        cut.daemon = True
        cut.start()
        with conn:
            try:
                deliver_challenge(conn, self.authkey)
                answer_challenge(conn, self.authkey)
                raw = conn.recv_bytes(maxlength=1 << 20)
            except (OSError, EOFError, AuthenticationError) as exc:
                log.warning("hand-off: refused a connection (%s)", exc)
                return
            finally:
                cut.cancel()
            if self._closed.is_set():
                return
            try:
                req = Request.from_json(raw)
                with self._one_at_a_time:
                    reply = self._handler(req)
            except Exception as exc:  # noqa: BLE001 - a bad request must not end the server
                log.warning("hand-off request failed: %s", exc)
                reply = Reply(False, f"the request failed: {exc}")
            try:
                conn.send_bytes(json.dumps(asdict(reply)).encode())
            except OSError:
                pass

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        try:   # wake accept(): closing a listening socket does not
            if os.name == "nt":
                from multiprocessing.connection import Client

                Client(self.address, family=_family(), authkey=self.authkey).close()
            else:
                # a bare connection, closed at once: accept() wakes (its handshake fails)
                # and the loop sees it is closed. Not a Client: its handshake would wait
                # forever for a server thread that had already returned
                import socket

                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(2)
                    sock.connect(self.address)
        except (OSError, EOFError):
            pass
        self._thread.join(5)
        try:
            self._listener.close()
        except OSError:
            pass


def _hang_up(conn: Connection) -> None:
    """Wake a thread blocked reading ``conn`` (closing the descriptor would not)."""
    try:
        with socket.socket(fileno=os.dup(conn.fileno())) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass


def hand_off(owner: OwnerInfo, request: Request, *, timeout: float = 30.0) -> Reply:
    """Send a request to the running owner and return its answer."""
    if not owner.address or not owner.authkey or request.command not in owner.accepts:
        raise HandOffError(f"{owner.describe()} does not take '{request.command}' requests")
    result: list[Reply | BaseException] = []
    address, authkey = owner.address, owner.authkey

    def talk() -> None:
        from multiprocessing.connection import Client

        try:
            with Client(address, family=_family(), authkey=bytes.fromhex(authkey)) as c:
                c.send_bytes(request.to_json())
                raw = json.loads(c.recv_bytes(maxlength=1 << 20).decode("utf-8"))
                result.append(Reply(ok=bool(raw["ok"]), message=str(raw.get("message", ""))))
        except Exception as exc:  # noqa: BLE001 - reported below as one clear error
            result.append(exc)

    t = threading.Thread(target=talk, name="desktop-search-handoff-client", daemon=True)
    t.start()
    t.join(timeout)
    if not result:
        raise HandOffError(f"{owner.describe()} did not answer within {timeout:.0f} s")
    answer = result[0]
    if isinstance(answer, BaseException):
        raise HandOffError(f"cannot reach {owner.describe()}: {answer}")
    return answer


# -- ownership --------------------------------------------------------------------------
@dataclass
class Ownership:
    """This process owns the data folder until ``release()`` (or until it dies)."""

    data_dir: Path
    info: OwnerInfo
    _fd: int | None = field(default=None, repr=False)
    _server: _HandOffServer | None = field(default=None, repr=False)

    @classmethod
    def acquire(cls, data_dir: str | os.PathLike[str], *, kind: str,
                handler: Handler | None = None, accepts: tuple[str, ...] = (),
                hint: str = "") -> "Ownership":
        """Take the data folder for this process, or raise ``DataFolderBusy`` at once.

        ``handler`` answers hand-off requests (``accepts`` lists which) on a thread of
        its own; without it the owner takes none.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown owner kind {kind!r}")
        data_dir = Path(data_dir)
        fd = _open_lock_file(data_dir)
        deadline = time.monotonic() + _SETTLE_S
        tick = threading.Event()
        while not _lock_fd(fd):
            other = _read_info(data_dir)
            # Busy for real when the holder says who it is and is alive; otherwise it is a
            # reader's brief probe or an owner that has not written its name yet: retry.
            if (other is not None and _pid_alive(other.pid)) or time.monotonic() > deadline:
                os.close(fd)
                raise DataFolderBusy(data_dir, other, hint=hint)
            tick.wait(0.02)
        own = cls(data_dir=data_dir, info=OwnerInfo(pid=0, kind=kind, started=0), _fd=fd)
        try:
            if handler is not None:
                own._server = _HandOffServer(data_dir, handler)
            own.info = OwnerInfo(
                pid=os.getpid(), kind=kind, started=time.time(), host=socket.gethostname(),
                address=own._server.address if own._server else None,
                authkey=own._server.authkey.hex() if own._server else None,
                accepts=tuple(accepts) if own._server else ())
            data = json.dumps(asdict(own.info)).encode() + b"\n"
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, data)
        except BaseException:
            own.release()
            raise
        return own

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Stop answering, forget our name, unlock (the kernel does the last part anyway)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        try:
            _unlock_fd(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> "Ownership":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
