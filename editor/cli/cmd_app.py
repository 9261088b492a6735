"""`stylecut app [PROJECT] [--demo] [--screenshot PNG]`: the desktop editor."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("app", help="open the desktop editor (the demo project when no project is given)")
    p.add_argument("project", nargs="?", help="a project file (.stylecut.json) to open")
    p.add_argument("--demo", action="store_true", help="open the bundled demo project")
    p.add_argument("--screenshot", metavar="PNG",
                   help="wait for the first rendered frame, save a window screenshot, exit")
    p.set_defaults(func=run)


def run(args) -> int:
    from editor.ui.app import run as run_app

    return run_app(args.project, args.demo, args.screenshot)
