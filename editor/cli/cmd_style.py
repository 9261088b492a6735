"""`stylecut style train --image PAINTING --name NAME`: turn any painting into a style.

The result goes to the user's style library (see `stylecut styles`), never into the
installation, and works everywhere a shipped style works."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("style", help="make new styles")
    actions = p.add_subparsers(dest="style_action", metavar="ACTION", required=True)
    t = actions.add_parser("train", help="distil a style from any painting into your library")
    t.add_argument("--image", required=True, help="the painting (any picture file)")
    t.add_argument("--name", required=True, help="a human name for the style")
    t.add_argument("--iters", type=int, default=None, help="training iterations (default 1500)")
    t.add_argument("--minutes", type=float, default=None,
                   help="time limit for the whole job in minutes (default 14)")
    t.add_argument("--force", action="store_true", help="replace a library style of the same name")
    t.add_argument("--library", default=None, help="library folder (default: $STYLECUT_LIBRARY or "
                                                   "~/.local/share/stylecut/styles)")
    t.add_argument("--quiet", action="store_true", help="no progress bars")
    t.set_defaults(func=run_train)


def run_train(args) -> int:
    from pathlib import Path

    from editor.errors import StyleCutError

    try:
        import torch  # noqa: F401
    except ImportError:
        raise StyleCutError("torch", "training needs the 'train' extra (pip install 'stylecut[train]' "
                                     "with the CPU build of torch)") from None
    from models import painting

    if args.iters is not None and args.iters < 1:
        raise StyleCutError(None, f"--iters must be at least 1, got {args.iters}")
    if args.minutes is not None and args.minutes <= 0:
        raise StyleCutError(None, f"--minutes must be positive, got {args.minutes}")
    style = painting.train_painting(
        Path(args.image), args.name,
        iters=args.iters or painting.DEFAULT_ITERS,
        minutes=args.minutes or painting.DEFAULT_MINUTES,
        library=Path(args.library) if args.library else None,
        force=args.force, progress=not args.quiet,
    )
    print(f"added style '{style.name}' (id {style.id}) to {style.model.parent}")
    return 0
