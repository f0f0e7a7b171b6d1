"""Work that waits for the person: background looks pause while searches run or keys come.

``Foreground`` counts the searches in progress and remembers when the last one ended or
the last key came (``poke``). Background work (the copies-and-versions look) calls
``wait_quiet`` between two small pieces of its work: it returns at once when nothing
happened for ``quiet_s``, else waits (on a condition, woken when a search ends) until
so. So a look in progress costs a search at most one piece of work, never a share of the
GIL for the whole search.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

#: background work goes on once no search ran and no key came for this long (seconds)
QUIET_S = 1.0
#: a wait looks again at least this often (so ``closing`` is heard)
_RECHECK_S = 0.1


class Foreground:
    """What the person is doing now, as far as background work must care."""

    def __init__(self, *, quiet_s: float = QUIET_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet_s = quiet_s
        self._clock = clock
        self._cond = threading.Condition()
        self._busy = 0
        self._last = -1e9
        #: how many times background work waited (tests and benchmarks read it)
        self.waits = 0

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Around a search (or an answer, a preview): background work holds back."""
        with self._cond:
            self._busy += 1
            self._last = self._clock()
        try:
            yield
        finally:
            with self._cond:
                self._busy -= 1
                self._last = self._clock()
                self._cond.notify_all()

    def poke(self) -> None:
        """A key came (more searches will): background work holds back a while more."""
        with self._cond:
            self._last = self._clock()

    def quiet(self) -> bool:
        with self._cond:
            return not self._busy and self._clock() - self._last >= self.quiet_s

    def wait_quiet(self, *, closing: Callable[[], bool] = lambda: False) -> bool:
        """Return once quiet (False), or as soon as ``closing()`` says so (True)."""
        if self.quiet():
            return closing()
        with self._cond:
            self.waits += 1
            while not closing():
                left = self.quiet_s - (self._clock() - self._last)
                if not self._busy and left <= 0:
                    return False
                self._cond.wait(timeout=min(max(left, 0.001), _RECHECK_S))
        return True
