"""A guard against a reference-counting bug in PySide6 6.12 on CPython < 3.12.

There, every PySide call that returns ``None`` for a null result (an invalid
``QVariant``, a null ``QObject*``: ``index.data(role)``, ``combo.currentData()``,
``QApplication.focusWidget()``) and every Python ``Signal.emit()`` (which returns
``True``) hands back a reference it never took. Each call lowers the refcount of the
``None``/``True`` singleton by one, and after some ten thousand calls the interpreter
aborts with "Fatal Python error: none_dealloc: deallocating None". A window repaints
and emits that often within seconds.

CPython 3.12 made these singletons immortal (PEP 683), which hides the bug. On older
interpreters we do the same by hand, once, when the probe shows the bug is present:
their reference counts are raised by 2**40, which stolen references cannot exhaust.
"""
from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40
applied = False


def _probe() -> bool:
    from PySide6.QtCore import QModelIndex, QObject, Signal

    class _Probe(QObject):
        probed = Signal()

    n = 32
    probe = _Probe()
    invalid = QModelIndex()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(n):
        invalid.data()
    none_lost = none_before - sys.getrefcount(None)
    for _ in range(n):
        probe.probed.emit()
    true_lost = true_before - sys.getrefcount(True)
    # give back what the probe itself took
    for obj, lost in ((None, none_lost), (True, true_lost)):
        for _ in range(max(0, lost)):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
    return none_lost >= n or true_lost >= n


def apply() -> bool:
    """Make None/True/False effectively immortal if this PySide6 steals their references."""
    global applied
    if applied:
        return True
    if (sys.version_info >= (3, 12) or sys.implementation.name != "cpython"
            or hasattr(sys, "gettotalrefcount")):      # debug builds lay objects out differently
        return False
    if not _probe():
        return False
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
    applied = True
    return True
