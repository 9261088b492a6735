"""The `stylecut` command line.

Each subcommand lives in its own module `editor/cli/cmd_<name>.py` exposing
`register(subparsers)`; modules are discovered here so adding a command touches one file.
A `StyleCutError` becomes a one-line message and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from editor import __version__
from editor.errors import StyleCutError, Cancelled


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stylecut",
        description="Timeline video editor with phone-exact neural style transfer.",
    )
    parser.add_argument("--version", action="version", version=f"stylecut {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = sys.modules[__name__]
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        # No subcommand: open the desktop app when it is available.
        if "app" in (parser._subparsers._group_actions[0].choices if parser._subparsers else {}):
            args = parser.parse_args(["app"])
        else:
            parser.print_help()
            return 0
    try:
        return int(args.func(args) or 0)
    except StyleCutError as exc:
        print(f"stylecut: error: {exc}", file=sys.stderr)
        return 2
    except Cancelled:
        print("stylecut: cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("stylecut: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
