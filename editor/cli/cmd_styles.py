"""`stylecut styles [--json]`: list the shipped and library styles.
`stylecut styles eval`: measure every shipped style against its teacher, write docs/MODELS.md."""

from __future__ import annotations

import json
import sys


def register(sub) -> None:
    p = sub.add_parser("styles", help="list the style networks (shipped and your library)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)
    actions = p.add_subparsers(dest="styles_action", metavar="ACTION")
    e = actions.add_parser("eval", help="measure the shipped styles against their teachers "
                                        "and write docs/MODELS.md and the contact sheet")
    e.add_argument("--frames", type=int, default=0,
                   help="use only this many held-out frames per clip (default: all)")
    e.add_argument("--no-docs", action="store_true", help="print the results, write nothing")
    e.set_defaults(func=run_eval)


def run(args) -> int:
    from models.catalog import all_styles

    styles, problems = all_styles()
    for problem in problems:
        print(f"stylecut: warning: {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps([s.listing() for s in styles], indent=2))
        return 0
    rows = [("id", "name", "index", "teacher", "MACs/px", "licence", "model")]
    for s in styles:
        teacher = f"{s.teacher['name']}:{s.teacher.get('style')}" if s.teacher else "-"
        rows.append((s.id, s.name, "-" if s.style_index is None else str(s.style_index), teacher,
                     f"{s.macs_per_pixel:,.0f}", s.licence, str(s.model)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    return 0


def run_eval(args) -> int:
    from models import evaluate

    results = evaluate.evaluate_shipped(frame_limit=args.frames or None, progress=True)
    if not args.no_docs:
        evaluate.write_docs(results)
        print(f"wrote {evaluate.DOC} and {evaluate.SHEET}")
    print(evaluate.summary_table(results))
    return 0 if all(r["meets_targets"] for r in results["styles"]) else 1
