"""Indexing that stays out of the way: it waits on battery and while the user is busy, and
runs at the lowest CPU and I/O priority the system offers.

What the computer is doing comes through one seam, :class:`Conditions` (on battery?
are other processes using the CPU?). :class:`SystemConditions` reads it with psutil; a
test hands the service its own. :class:`Manners` turns a reading into the worker's
decision (go on, read slowly, or wait, and why), reading the conditions at most every
``CHECK_S`` seconds: the worker waits on events with timeouts, never in a busy loop.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from desktop_search.config import Settings
from desktop_search.core.indexing.state import Waiting

log = logging.getLogger(__name__)

#: the conditions are read at most this often (a battery's state, the CPU's load)
CHECK_S = 2.0
#: while waiting, the worker looks again after this long (or at once when told to stop)
WAIT_S = 5.0
#: on battery, reading goes on one file at a time with this rest between files
BATTERY_READ_GAP_S = 1.0
#: the user is busy when other processes use this share of the machine's CPU...
BUSY_SHARE = 0.5
#: ... or this many whole cores, whichever is fewer
BUSY_CORES = 3.0
#: and no longer busy once they use less than this fraction of that threshold
CALM_FRACTION = 0.6
#: turns politeness off: no waiting for mains or a calm CPU, and normal priority (tests
#: and benchmarks on a shared, loaded machine, where an idle-priority thread may not run)
IGNORE_ENV = "DESKTOP_SEARCH_IGNORE_CONDITIONS"


class Conditions(Protocol):
    """What the computer is doing, as far as indexing cares."""

    def on_battery(self) -> bool: ...

    def others_busy(self) -> bool:
        """Whether other processes keep the CPU busy (the user is working)."""
        ...


class Unconditional:
    """Mains power, an idle machine: indexing never waits (the CLI's ``index``, tests)."""

    def on_battery(self) -> bool:
        return False

    def others_busy(self) -> bool:
        return False


class SystemConditions:
    """The real computer, read with psutil.

    Busy: the CPU time used by every process but this one (and its reader children)
    over the time since the last reading, as cores, against ``BUSY_SHARE`` of the
    machine or ``BUSY_CORES``, whichever is fewer, with hysteresis so that it does not
    flap. The first reading only starts the clock (not busy).
    """

    def __init__(self) -> None:
        import psutil

        self._psutil = psutil
        self._me = psutil.Process()
        self._cores = psutil.cpu_count() or 1
        self._threshold = min(BUSY_SHARE * self._cores, BUSY_CORES)
        self._last: tuple[float, float, float] | None = None
        self._busy = False
        self._lock = threading.Lock()

    def on_battery(self) -> bool:
        try:
            battery = self._psutil.sensors_battery()
        except (AttributeError, OSError, RuntimeError):
            return False     # no battery sensor on this platform: a desktop on mains
        return battery is not None and battery.power_plugged is False

    def _own_cpu(self) -> float:
        total = 0.0
        procs = [self._me]
        try:
            procs += self._me.children(recursive=True)
        except self._psutil.Error:
            pass
        for p in procs:
            try:
                t = p.cpu_times()
            except self._psutil.Error:
                continue     # a reader that just ended
            total += t.user + t.system
        return total

    def others_cores(self) -> float | None:
        """Cores' worth of CPU the other processes used since the last call (None at first)."""
        t = self._psutil.cpu_times()
        # Linux counts guests inside user and nice already: leave them out of the sum
        busy = (sum(t) - t.idle - getattr(t, "iowait", 0.0) - getattr(t, "guest", 0.0)
                - getattr(t, "guest_nice", 0.0))
        now = (time.monotonic(), busy, self._own_cpu())
        last, self._last = self._last, now
        if last is None or now[0] - last[0] <= 0:
            return None
        others = (now[1] - last[1]) - max(0.0, now[2] - last[2])
        return max(0.0, float(others / (now[0] - last[0])))

    def others_busy(self) -> bool:
        with self._lock:
            cores = self.others_cores()
            if cores is not None:
                limit = self._threshold * (CALM_FRACTION if self._busy else 1.0)
                self._busy = cores >= limit
            return self._busy


def ignoring() -> bool:
    """``DESKTOP_SEARCH_IGNORE_CONDITIONS=1``: index regardless, at normal priority."""
    return os.environ.get(IGNORE_ENV, "").strip() not in ("", "0")


def conditions_for_app() -> Conditions:
    """The conditions a background indexer heeds: the real computer, unless
    ``DESKTOP_SEARCH_IGNORE_CONDITIONS=1`` says to index regardless."""
    if ignoring():
        return Unconditional()
    try:
        return SystemConditions()
    except ImportError:  # pragma: no cover - psutil is a dependency; a broken install
        log.warning("psutil is missing: indexing does not wait on battery or for a busy CPU")
        return Unconditional()


@dataclass(frozen=True, slots=True)
class Manner:
    """What the worker may do now."""

    waiting: Waiting | None    # why it holds back (None: full speed)
    heavy: bool                # embedding, OCR and picture vectors may run
    reading: bool              # files may be read (slowly when ``waiting`` is BATTERY)


FULL_SPEED = Manner(waiting=None, heavy=True, reading=True)


BUSY_MANNER = Manner(waiting=Waiting.BUSY, heavy=False, reading=False)
BATTERY_MANNER = Manner(waiting=Waiting.BATTERY, heavy=False, reading=True)


class Manners:
    """The worker's manners: the conditions read at most every ``check_s`` seconds.

    The busy rule is for background catch-up (rescans, watched changes, a drive that
    comes back): work the user just asked for (``now(asked=True)``: a folder just added)
    goes on while others use the CPU, as the CLI's ``index`` does. The battery rule
    holds for every kind of work until the user says "index now anyway" (``anyway``),
    which lasts until the worker is next idle."""

    def __init__(self, conditions: Conditions, settings: Settings, *,
                 check_s: float = CHECK_S, wait_s: float = WAIT_S) -> None:
        self.conditions = conditions
        self.settings = settings
        #: how often the conditions are read, and how long one wait lasts
        self.check_s = check_s
        self.wait_s = wait_s
        #: the user said "index now anyway": no waiting at all until the worker is idle
        self.anyway = False
        self._at = -1e9
        self._battery = self._busy = False

    def now(self, *, fresh: bool = False, asked: bool = False) -> Manner:
        t = time.monotonic()
        if fresh or t - self._at >= self.check_s:
            self._at = t
            self._battery, self._busy = self._read()
        if self.anyway:
            return FULL_SPEED
        if self._busy and not asked:
            return BUSY_MANNER
        if self._battery:
            return BATTERY_MANNER
        return FULL_SPEED

    def _read(self) -> tuple[bool, bool]:
        """(on battery and told to wait on it, others busy)."""
        try:
            battery = self.conditions.on_battery() and not self.settings.index_on_battery
            busy = self.conditions.others_busy()
        except Exception:  # noqa: BLE001 - a sensor that fails must not stop indexing
            log.exception("cannot read the power or the CPU load")
            return False, False
        return battery, busy


# ------------------------------------------------------------------------- priority


def lower_this_thread() -> list[str]:
    """Run the calling thread (and the threads and processes it starts later, which
    inherit it) at the lowest priority the system offers. Returns what was applied.

    Linux: SCHED_IDLE (runs only when a core would otherwise idle), nice 19, and the
    idle I/O class. Elsewhere: the process-wide lowest class psutil offers is not used,
    since it would slow the window too; nice 19 for this thread where the OS has it.
    """
    done: list[str] = []
    tid = threading.get_native_id()
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, tid, 19)
            done.append("nice 19")
        except OSError:
            pass
        try:
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
            done.append("SCHED_IDLE")
        except (OSError, AttributeError):
            pass
        try:
            import psutil

            psutil.Process(tid).ionice(psutil.IOPRIO_CLASS_IDLE)
            done.append("I/O idle")
        except Exception as exc:  # noqa: BLE001 - psutil.Error and kin: priority is best effort
            log.debug("cannot lower the I/O priority: %s", exc)
    return done


def lower_this_process() -> list[str]:
    """The same for a whole process (the reader children): every thread it has."""
    done: list[str] = []
    try:
        import psutil

        p = psutil.Process()
        if sys.platform.startswith("linux"):
            os.setpriority(os.PRIO_PROCESS, 0, 19)
            done.append("nice 19")
            try:
                os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
                done.append("SCHED_IDLE")
            except (OSError, AttributeError):
                pass
            p.ionice(psutil.IOPRIO_CLASS_IDLE)
            done.append("I/O idle")
        elif sys.platform == "win32":
            p.nice(psutil.IDLE_PRIORITY_CLASS)
            p.ionice(psutil.IOPRIO_VERYLOW)
            done.append("idle class")
        else:
            p.nice(19)
            done.append("nice 19")
    except Exception as exc:  # noqa: BLE001 - priority is best effort, never fatal
        log.debug("cannot lower the reader's priority: %s", exc)
    return done


def thread_policy(tid: int) -> tuple[int, int] | None:
    """(scheduling policy, nice) of a thread (Linux), for tests and ``doctor``."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return os.sched_getscheduler(tid), os.getpriority(os.PRIO_PROCESS, tid)
    except OSError:
        return None
