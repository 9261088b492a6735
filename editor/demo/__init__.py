"""The bundled demo: a 3-second Big Buck Bunny clip (CC BY 3.0, see ATTRIBUTION.md) and a
project that grades it with the built-in colour effect."""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
DEMO_CLIP = DEMO_DIR / "bigbuckbunny_3s_720p.mp4"
DEMO_PROJECT = DEMO_DIR / "demo.stylecut.json"


def render_demo(out_path, preset: str = "h264", progress=None):
    """Export the demo project to `out_path`; returns the ExportResult."""
    from editor.core.export import export
    from editor.core.project import load

    return export(load(DEMO_PROJECT), out_path, preset, progress=progress)
