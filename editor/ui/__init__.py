"""The PySide6 desktop app: a thin view over the editor core.

Widgets render the project held by `ProjectController` and change it only through the core's
commands on its undo stack. Decoding and inference run in worker threads.
"""

from . import qt_fixes

qt_fixes.install()
