"""`stylecut plugins`: the effect plugins found (built in and installed) and those that failed."""

from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("plugins", help="list effect plugins and their parameters, and plugins that failed to load")
    p.add_argument("--json", action="store_true", help="print a JSON description")
    p.set_defaults(func=run)


def run(args) -> int:
    from editor.core.plugins import discover

    registry = discover()
    if args.json:
        print(json.dumps({
            "plugins": [dict(plugin.describe(), source=registry.source(plugin.id)) for plugin in registry],
            "failures": [{"source": f.source, "problem": f.problem} for f in registry.failures],
        }, indent=2, default=list))
        return 0
    for plugin in registry:
        print(f"{plugin.id} {plugin.version}  {plugin.name}  ({registry.source(plugin.id)})")
        for param in plugin.params:
            extra = ""
            if param.minimum is not None or param.maximum is not None:
                extra = f" {param.minimum}..{param.maximum}"
            if param.choices:
                extra = f" {'|'.join(param.choices)}"
            animated = ", animates" if param.animates else ""
            print(f"    {param.name}: {param.type}{extra}, default {param.default!r}{animated}")
    for failure in registry.failures:
        print(f"failed: {failure}")
    return 0
