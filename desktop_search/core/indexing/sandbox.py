"""Run untrusted parsing where it can be cut off: a child process with time and memory limits.

A PDF that makes a reader spin forever or a document that unpacks into gigabytes must
cost one failed file, never a stuck or dead indexer. The child is started once and
reused; when it overruns its time it is killed and replaced, and the file is marked.

The child cannot outlive the app: on Linux it asks the kernel for SIGKILL when its parent
dies (``PR_SET_PDEATHSIG``), and everywhere each job runs under a CPU-time limit
(``RLIMIT_CPU``: the job's time limit times the cores, plus a margin), so a reader spinning
in a loop after ``kill -9`` of the app still ends. Its temporary files (``ds-member-*``,
``ds-troff-*``) live in a private folder of its own (``ds-reader-<app pid>-*``), removed by
the parent when it kills the child and swept at the next start when the app was killed.
"""
from __future__ import annotations

import importlib
import logging
import multiprocessing as mp
import os
import shutil
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from desktop_search import errors
from desktop_search.errors import ExtractError

log = logging.getLogger(__name__)

DEFAULT_TARGET = "desktop_search.core.extract:extract"
DEFAULT_MEMORY_MB = 2048
#: a job that names its function (``SandboxedExtractor.call``); only readers of this
#: package are called (``call`` checks the name)
_CALL = "\x00call"


class ReaderTimeout(ExtractError):
    """The reader took too long."""


class ReaderCrashed(ExtractError):
    """The reader process died (out of memory, a crash in a native library)."""


def _resolve(target: str) -> Any:
    mod, _, fn = target.partition(":")
    return getattr(importlib.import_module(mod), fn)


#: the reader child's cap on its own threads (OCR's ONNX Runtime), set from ``threads``
THREADS_ENV = "DESKTOP_SEARCH_THREADS"


#: the folder each child keeps its temporary files in: ``ds-reader-<parent pid>-<random>``
TEMP_PREFIX = "ds-reader-"
#: what readers name their own temporary folders (inside the child's folder since this
#: version; directly in the system's temp folder before): swept when this old
_LOOSE_PREFIXES = ("ds-member-", "ds-troff-")
_LOOSE_AGE_S = 3600
#: CPU seconds a job may use beyond its time limit times the cores (imports, start-up)
CPU_MARGIN_S = 30


def _die_with_parent(parent_pid: int) -> None:
    """Linux: SIGKILL when the parent dies (the kernel does it, even after kill -9 of the app)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):     # not Linux: the CPU limit still ends a spin
        return
    if os.getppid() != parent_pid:        # the parent died before we asked
        os._exit(1)


def _cpu_limit(seconds: float) -> None:
    """This process may use ``seconds`` more CPU time (SIGXCPU, then SIGKILL, past it)."""
    try:
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - non-POSIX
        pass


def _job_cpu_s(timeout_s: float, threads: int | None) -> float:
    return timeout_s * (threads or os.cpu_count() or 1) + CPU_MARGIN_S


def sweep_temp_folders(root: str | os.PathLike[str] | None = None) -> int:
    """Remove what killed readers left in the temp folder: the folders of children whose app
    is gone, and loose reader folders over an hour old. Returns how many were removed."""
    base = Path(root or tempfile.gettempdir())
    removed = 0
    for p in base.glob(TEMP_PREFIX + "*"):
        pid = p.name[len(TEMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)
            removed += 1
    now = time.time()
    for prefix in _LOOSE_PREFIXES:
        for p in base.glob(prefix + "*"):
            try:
                old = now - p.lstat().st_mtime > _LOOSE_AGE_S
            except OSError:
                continue
            if old:
                shutil.rmtree(p, ignore_errors=True)
                removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


_swept = threading.Event()


def _child(conn: Connection, target: str, memory_mb: int, polite: bool = False,
           threads: int | None = None, parent_pid: int | None = None,
           temp_dir: str | None = None) -> None:
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    if temp_dir is not None:
        os.environ["TMPDIR"] = temp_dir
        tempfile.tempdir = temp_dir
    if threads:
        os.environ[THREADS_ENV] = str(threads)
        os.environ["OMP_NUM_THREADS"] = str(threads)
    if polite:
        from desktop_search.core.indexing.polite import lower_this_process

        lower_this_process()
    try:
        import resource

        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - non-POSIX
        pass
    fn = _resolve(target)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        cpu_s, job = msg
        _cpu_limit(cpu_s)
        try:
            if job[0] == _CALL:          # another reader of the same family: (_, target, kwargs)
                conn.send(("ok", _resolve(job[1])(**job[2])))
                continue
            path, max_bytes = job
            conn.send(("ok", fn(path, max_bytes=max_bytes)))
        except ExtractError as exc:
            conn.send(("err", type(exc).__name__, str(exc)))
        except MemoryError:
            conn.send(("err", "TooLarge", "needs more memory than allowed to read"))
        except RecursionError:
            conn.send(("err", "CorruptFile", "document nested too deeply"))
        except BaseException as exc:  # noqa: BLE001 - report, never die silently
            conn.send(("err", "ExtractError", f"reader error: {type(exc).__name__}: {exc}"[:300]))


def run_reader(extractor: object, target: str, *, timeout_s: float | None = None,
               **kwargs: Any) -> Any:
    """``target`` (``"module:function"``) in ``extractor``'s child when it has one
    (``SandboxedExtractor.call``), else in this process (a plain function for tests)."""
    call = getattr(extractor, "call", None)
    if call is not None:
        return call(target, timeout_s=timeout_s, **kwargs)
    return _resolve(target)(**kwargs)


class SandboxedExtractor:
    """``extract(path, max_bytes=...)`` in a child process. Thread-safe (one job at a time).

    ``polite``: the child runs at the lowest CPU and I/O priority (a background indexer's
    readers); ``threads`` caps the threads its libraries start (OCR). Both apply to the
    next child started (``close`` ends the current one).
    """

    def __init__(self, *, timeout_s: float = 60.0, memory_mb: int = DEFAULT_MEMORY_MB,
                 target: str = DEFAULT_TARGET, polite: bool = False,
                 threads: int | None = None) -> None:
        self.polite = polite
        self.threads = threads
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.target = target
        self._ctx = mp.get_context("spawn")   # never fork a process holding torch threads
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._temp: str | None = None
        self.restarts = 0
        if not _swept.is_set():
            _swept.set()
            sweep_temp_folders()

    def _ensure(self) -> Connection:
        if self._proc is not None and self._proc.is_alive() and self._conn is not None:
            return self._conn
        self._kill()
        parent, child = self._ctx.Pipe()
        self._temp = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-")
        proc = self._ctx.Process(target=_child, args=(child, self.target, self.memory_mb, self.polite,
                                                      self.threads, os.getpid(), self._temp),
                                 name="desktop-search-reader", daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        return parent

    def _kill(self) -> None:
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
            self.restarts += 1
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None

    @property
    def pid(self) -> int | None:
        """The child's process id while one runs."""
        return self._proc.pid if self._proc is not None and self._proc.is_alive() else None

    def __call__(self, path: str, *, max_bytes: int) -> Any:
        return self._run((os.fspath(path), max_bytes), self.timeout_s)

    def call(self, target: str, *, timeout_s: float | None = None, **kwargs: Any) -> Any:
        """Run another reader (``"module:function"`` of ``desktop_search.core.extract``)
        in the child with these keyword arguments: a mailbox is listed, then read one
        message at a time. ``timeout_s`` replaces the default for this job (a big archive
        is one job)."""
        if not target.startswith("desktop_search.core.extract"):
            raise ValueError(f"not a reader: {target}")
        return self._run((_CALL, target, kwargs), timeout_s or self.timeout_s)

    def _run(self, job: tuple[object, ...], timeout_s: float) -> Any:
        with self._lock:
            conn = self._ensure()
            try:
                conn.send((_job_cpu_s(timeout_s, self.threads), job))
                # the first job also pays for the child's start-up and imports
                ready = conn.poll(timeout_s + (10 if self.restarts == 0 else 0))
            except (BrokenPipeError, OSError):
                self._kill()
                raise ReaderCrashed("the reader stopped unexpectedly") from None
            if not ready:
                self._kill()
                raise ReaderTimeout(f"reading took longer than {timeout_s:.0f} s; skipped")
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                self._kill()
                raise ReaderCrashed("the reader crashed on this file (out of memory?)") from None
        if msg[0] == "ok":
            return msg[1]
        cls = getattr(errors, msg[1], None)
        if not (isinstance(cls, type) and issubclass(cls, ExtractError)):
            cls = ExtractError
        raise cls(msg[2])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.send(None)
                except OSError:
                    pass
            if self._proc is not None:
                self._proc.join(2)
            self._kill()
            self.restarts = 0
