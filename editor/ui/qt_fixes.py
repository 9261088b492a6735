"""A guard against a reference-counting fault of the PySide6 build in use.

PySide6 6.12 hands out `None`, `True` and `False` without taking a reference to them: every
Qt method that returns nothing (`setText`, `update`, ...) takes one reference away from
`None`, and every `Signal.emit()` one from `True`. From Python 3.12 on these objects are
immortal and the fault is harmless; on Python 3.11 their counts fall with every call until
one reaches zero and the interpreter stops with "Fatal Python error: none_dealloc" or
"bool_dealloc": after some minutes of playback (several calls per frame), or while the
interpreter shuts down and its garbage collector releases the last holders.

`install()` measures the loss on a throwaway object and, only when there is one, gives the
three objects a reference count no number of calls can use up (what Python 3.12 does for
them). A PySide6 without the fault measures no loss and is left alone.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

# 2**40 references: a trillion calls, more than any session makes.
PIN = 1 << 40

_pinned = False


class _Probe(QObject):
    fired = Signal(int)


def references_lost(trials: int = 16) -> dict[str, int]:
    """How many references `None` and `True` lose over `trials` calls of each kind."""
    probe = _Probe()
    none_before = sys.getrefcount(None)
    for i in range(trials):
        probe.setObjectName("probe")   # a method that returns nothing
    none_lost = none_before - sys.getrefcount(None)
    true_before = sys.getrefcount(True)
    for i in range(trials):
        probe.fired.emit(i)
    true_lost = true_before - sys.getrefcount(True)
    return {"None": max(0, none_lost), "True": max(0, true_lost)}


def install() -> bool:
    """Pin `None`, `True` and `False` when this PySide6 needs it; True if pinned (now or before)."""
    global _pinned
    if _pinned:
        return True
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return False  # immortal singletons (or a debug build, where the layout differs)
    lost = references_lost()
    if not any(lost.values()):
        return False
    for obj in (None, True, False):
        # ob_refcnt is the first field of every object in a release build of CPython.
        ctypes.c_ssize_t.from_address(id(obj)).value += PIN
    _pinned = True
    return True


def pinned() -> bool:
    return _pinned
