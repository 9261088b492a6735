"""A style pack described for people: what `stylecut pack inspect` prints."""

from __future__ import annotations


def describe(data: dict, pack_bytes: int | None = None) -> list[str]:
    """Human-readable summary of a manifest (used by `stylecut pack inspect`)."""
    lines = [f"{data['name']} (id {data['id']}), format version {data['format_version']}, "
             f"made {data['created']} by {data['generator']['name']} {data['generator']['version']}"]
    if data.get("author"):
        lines.append(f"author: {data['author']}")
    lines.append(f"licence: {data['licence']}")
    if data.get("attribution"):
        lines.append(f"attribution: {data['attribution']}")
    inp = data["input"]
    lines.append(f"input: RGB frames, processing size {inp['processing_size']} (short side), sides multiple of "
                 f"{inp['size_multiple']} and >= {inp['min_size']}")
    lines.append(f"native model: {data['native_model']} "
                 f"({', '.join(n['precision'] + ' ' + n['path'] for n in data['native_models'])}); "
                 f"ONNX {data['model']['onnx']}; ORT {data['model']['ort']}")
    lines.append(f"styles ({len(data['styles'])} of a {data['model']['style_count'] or 1}-style network):")
    for s in data["styles"]:
        idx = "-" if s["style_index"] is None else s["style_index"]
        lines.append(f"  {s['id']:24s} index {idx!s:3s} {s['name']}")
    total = sum(f["bytes"] for f in data["files"])
    lines.append(f"files ({len(data['files'])}, {total:,} bytes unpacked"
                 + (f", {pack_bytes:,} bytes packed" if pack_bytes is not None else "") + "):")
    for f in data["files"]:
        lines.append(f"  {f['bytes']:>10,}  {f['path']}")
    pred = data["predictions"]
    lines.append(f"predicted frame rates at {pred['size'][0]}x{pred['size'][1]} ({pred.get('native_model', '')}):")
    for dev, p in sorted(pred["devices"].items(), key=lambda kv: -kv[1]["fps"]):
        lines.append(f"  {dev:18s} {p['fps']:8.1f} fps {p['ms']:9.1f} ms  {p.get('name', '')}")
    return lines
