"""A background worker for one kind of job where only the newest request matters.

`submit(fn)` replaces any job still waiting (a mailbox of one); the job running finishes and
its result is still delivered, tagged with its ticket so the receiver can tell it is stale.
Used for the style gallery, the compare view and the device chart.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal


class LatestJob(QObject):
    done = Signal(int, object)      # ticket, result
    failed = Signal(int, str)       # ticket, message

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self._cond = threading.Condition()
        self._job = None
        self._ticket = 0
        self._busy = False
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=f"stylecut-{name}", daemon=True)
        self._thread.start()

    @property
    def ticket(self) -> int:
        return self._ticket

    def submit(self, fn) -> int:
        with self._cond:
            self._ticket += 1
            self._job = (self._ticket, fn)
            self._cond.notify()
            return self._ticket

    def idle(self) -> bool:
        with self._cond:
            return self._job is None and not self._busy

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._job = None
            self._cond.notify()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._job is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                (ticket, fn), self._job = self._job, None
                self._busy = True
            try:
                result = fn()
            except Exception as exc:
                self.failed.emit(ticket, str(exc) or type(exc).__name__)
            else:
                self.done.emit(ticket, result)
            finally:
                with self._cond:
                    self._busy = False
