"""`stylecut version`: print the version and the versions of the parts it runs on."""

from __future__ import annotations

import platform

from editor import __version__


def register(sub) -> None:
    p = sub.add_parser("version", help="print versions of stylecut and its runtimes")
    p.set_defaults(func=run)


def run(args) -> int:
    import av
    import numpy
    import onnxruntime

    print(f"stylecut {__version__}")
    print(f"python {platform.python_version()}, numpy {numpy.__version__}, "
          f"av {av.__version__}, onnxruntime {onnxruntime.__version__}")
    return 0
