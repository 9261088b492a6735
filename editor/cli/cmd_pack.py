"""`stylecut pack`: mobile-ready style packs (docs/STYLEPACK.md).

    stylecut pack export --style ID [--style ID ...] -o X.stylepack [--size N] [--int8] [--fp32]
                         [--device PROFILE ...] [--sample IMAGE] [--name NAME] [--author WHO] [--id ID]
    stylecut pack inspect X.stylepack [--json]
    stylecut pack verify X.stylepack
    stylecut pack import X.stylepack [--library DIR] [--replace]
"""

from __future__ import annotations

import json
import os
import sys

MB = 1024 * 1024


def register(sub) -> None:
    p = sub.add_parser("pack", help="export, inspect, verify and import mobile style packs")
    actions = p.add_subparsers(dest="pack_action", metavar="ACTION", required=True)

    e = actions.add_parser("export", help="write a .stylepack for phone apps")
    e.add_argument("--style", action="append", required=True, metavar="ID",
                   help="style id (see `stylecut styles`); repeat for several styles of one network")
    e.add_argument("-o", "--output", required=True, help="pack file to write (X.stylepack)")
    e.add_argument("--size", type=int, default=360, help="processing size: the short side the network sees "
                                                          "(default 360)")
    e.add_argument("--int8", action="store_true", help="include the int8 native model (the default)")
    e.add_argument("--fp32", action="store_true", help="include the fp32 native model (with --int8: both)")
    e.add_argument("--device", action="append", default=None, metavar="PROFILE",
                   help="phone profile to show the frame rate on (see `stylecut devices`); repeatable")
    e.add_argument("--sample", help="picture for the sample frame (default: a photograph from scikit-image)")
    e.add_argument("--name", help="pack name (default: the style names)")
    e.add_argument("--author", default="", help="who made the pack")
    e.add_argument("--id", dest="pack_id", help="pack id (default: from the file name)")
    e.set_defaults(func=run_export)

    i = actions.add_parser("inspect", help="describe a pack (its manifest) without running it")
    i.add_argument("pack")
    i.add_argument("--json", action="store_true", help="print the manifest")
    i.set_defaults(func=run_inspect)

    v = actions.add_parser("verify", help="check a pack completely: checksums, schema, models, sample outputs")
    v.add_argument("pack")
    v.set_defaults(func=run_verify)

    m = actions.add_parser("import", help="verify a pack and add its styles to your style library")
    m.add_argument("pack")
    m.add_argument("--library", default=None, help="library folder (default: $STYLECUT_LIBRARY or "
                                                   "~/.local/share/stylecut/styles)")
    m.add_argument("--replace", action="store_true", help="replace an earlier import of the same pack")
    m.set_defaults(func=run_import)


def _phone_lines(report, device_ids) -> list[str]:
    from editor.core import devices
    from editor.core.devices.budgets import BARS, stand_in

    pred = report.manifest["predictions"]
    w, h = pred["size"]
    profiles = {p.id: p for p in devices.all_profiles()}
    lines = [f"predicted frame rates at {w}x{h} ({pred['native_model']}):"]
    import tempfile
    from pathlib import Path

    from editor.core.stylepack.verify import load_members

    _, members = load_members(report.path)
    with tempfile.TemporaryDirectory(prefix="stylecut-pack-") as tmp:
        path = Path(tmp) / "model.scn"
        path.write_bytes(members[pred["native_model"]])
        net = devices.load_network(path, size=(w, h))
    phones = devices.budget_phones()
    seen = set()
    for bar in BARS:
        if bar.phone is None or bar.phone in seen:
            continue
        seen.add(bar.phone)
        prof, approx, _ = stand_in(bar.phone, phones, list(profiles.values()))
        fps = devices.predict(net, prof).fps
        bars = [b for b in BARS if b.phone == bar.phone]
        verdict = ", ".join(f"{b.platform} >= {b.min_fps:g} fps {'ok' if fps >= b.min_fps else 'TOO SLOW'}"
                            for b in bars)
        lines.append(f"  {bar.phone:12s} {fps:7.1f} fps  {verdict}  (profile {prof.id}"
                     f"{', nearest profiled SoC' if approx else ''})")
    snap = next(b for b in BARS if b.phone is None)
    for dev in device_ids:
        prof = profiles[dev]
        stored = pred["devices"].get(dev)     # the manifest's number, when the pack carries one
        fps = stored["fps"] if stored else devices.predict(net, prof).fps
        ok = "ok" if fps >= snap.min_fps else "TOO SLOW"
        target = "meets" if fps >= snap.target_fps else "below"
        lines.append(f"  {dev:12s} {fps:7.1f} fps  {snap.platform} >= {snap.min_fps:g} fps {ok}, {target} the "
                     f"{snap.target_fps:g} fps target  ({prof.soc}; {prof.name})")
    return lines


def _check_devices(device_ids) -> None:
    """Unknown phone profiles are refused before the (slow) export starts."""
    from editor.core import devices
    from editor.core.stylepack.errors import PackError

    known = {p.id for p in devices.all_profiles()}
    for dev in device_ids:
        if dev not in known:
            raise PackError(dev, f"no such device profile (known: {', '.join(sorted(known))})")


def run_export(args) -> int:
    from editor.core.stylepack import export_pack

    _check_devices(args.device or [])
    precisions = [p for p, on in (("int8", args.int8), ("fp32", args.fp32)) if on] or ["int8"]
    report = export_pack(args.style, args.output, size=args.size, precisions=precisions, sample=args.sample,
                         pack_id=args.pack_id, name=args.name, author=args.author,
                         progress=lambda text: print(f"  {text}", file=sys.stderr))
    m = report.manifest
    print(f"wrote {report.path}: {report.bytes:,} bytes ({report.bytes / MB:.2f} MB), "
          f"{len(m['styles'])} style(s), native {', '.join(n['precision'] for n in m['native_models'])}, "
          f"processing size {m['input']['processing_size']}")
    for line in report.limit_lines():
        print(f"  {line}")
    print(f"  what an app ships: {report.payload['native'] / MB:.2f} MB with the native runtime, "
          f"{report.payload['ort'] / MB:.2f} MB with onnxruntime Mobile (manifest, model, thumbnails)")
    for line in _phone_lines(report, args.device or []):
        print(line)
    return 0


def run_inspect(args) -> int:
    from editor.core.stylepack import describe, load_members

    data, _ = load_members(args.pack)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    for line in describe(data, os.path.getsize(args.pack)):
        print(line)
    return 0


def run_verify(args) -> int:
    from editor.core.stylepack import verify_pack

    pack = verify_pack(args.pack)
    for check in pack.checks:
        print(f"  ok  {check}")
    print(f"{args.pack}: verified")
    return 0


def run_import(args) -> int:
    from pathlib import Path

    from editor.core.stylepack import import_pack

    report = import_pack(args.pack, library=Path(args.library) if args.library else None, replace=args.replace)
    verb = "replaced" if report.replaced else "imported"
    print(f"{verb} {args.pack} into {report.pack_folder.parent}: styles {', '.join(report.style_ids)}")
    return 0
