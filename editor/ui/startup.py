"""Milestones of the app's start, for measuring cold start from outside the process.

With STYLECUT_STARTUP_TRACE set in the environment, each milestone prints one line to stderr,
`stylecut-startup NAME UNIX_TIME`, the first time it is reached; `bench/bench_app_start.py`
subtracts the moment it spawned the process. Without the variable nothing is printed. The
milestones, in the order a user sees them:

- `imports`: the interpreter is up and the modules the window needs are imported;
- `window-shown`: the main window is on screen (painted once);
- `frame-decoded`: the first source frame is decoded (in the frame worker);
- `frame-shown`: a first picture is in the viewer (unstyled while the effects load);
- `styled-frame`: the first frame with the project's effects is in the viewer.
"""

from __future__ import annotations

import os
import sys
import threading
import time

ENV = "STYLECUT_STARTUP_TRACE"

_reached: dict[str, float] = {}
_lock = threading.Lock()


def mark(name: str) -> None:
    """Note that milestone `name` is reached (only its first time counts)."""
    now = time.time()
    with _lock:
        if name in _reached:
            return
        _reached[name] = now
    if os.environ.get(ENV):
        print(f"stylecut-startup {name} {now:.6f}", file=sys.stderr, flush=True)


def reached(name: str) -> float | None:
    """The wall-clock time milestone `name` was reached, or None."""
    with _lock:
        return _reached.get(name)
