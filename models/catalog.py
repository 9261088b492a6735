"""The style catalog: shipped styles (models/catalog.json) plus the user's style library.

The library is a folder ($STYLECUT_LIBRARY, else $XDG_DATA_HOME/stylecut/styles, else
~/.local/share/stylecut/styles) holding one sub-folder per style with a `style.json` written
in the same form as a catalog entry, its paths relative to that sub-folder. A broken library
entry never hides the others: it is reported as a problem beside the styles that loaded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from editor.errors import StyleCutError

MODELS_DIR = Path(__file__).resolve().parent
CATALOG = MODELS_DIR / "catalog.json"
STYLE_FILE = "style.json"
REQUIRED = ("id", "name", "model", "macs_per_pixel", "licence")


@dataclass(frozen=True)
class Style:
    id: str
    name: str
    model: Path                      # absolute path of the ONNX network
    style_index: int | None          # position in `style_weights`, None for one-style networks
    style_count: int                 # length of `style_weights` (0 when there is no such input)
    teacher: dict | None             # {"name", "style"} or None
    macs_per_pixel: float
    licence: str
    attribution: str = ""
    thumbnail: Path | None = None
    origin: str = "shipped"          # "shipped" or "library"
    extra: dict = field(default_factory=dict, compare=False)

    def listing(self) -> dict:
        """The fields `stylecut styles --json` prints."""
        return {
            "id": self.id,
            "name": self.name,
            "model": str(self.model),
            "style_index": self.style_index,
            "teacher": self.teacher,
            "macs_per_pixel": self.macs_per_pixel,
            "licence": self.licence,
            "origin": self.origin,
        }

    def weights(self):
        """The `style_weights` input selecting this style (None for one-style networks)."""
        import numpy as np

        if self.style_index is None or not self.style_count:
            return None
        w = np.zeros(self.style_count, np.float32)
        w[self.style_index] = 1.0
        return w


def library_dir() -> Path:
    env = os.environ.get("STYLECUT_LIBRARY")
    if env:
        return Path(env).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "stylecut" / "styles"


def _entry(raw, base: Path, source: Path, origin: str) -> Style:
    if not isinstance(raw, dict):
        raise StyleCutError(source, "a style entry is not a JSON object")
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise StyleCutError(source, f"style {raw.get('id', '?')!r} lacks {', '.join(missing)}")
    model = (base / raw["model"]).resolve()
    if not model.is_file():
        raise StyleCutError(source, f"style {raw['id']!r}: model file {model} does not exist")
    index = raw.get("style_index")
    count = int(raw.get("style_count") or 0)
    if index is not None and not (isinstance(index, int) and 0 <= index < max(count, 1)):
        raise StyleCutError(source, f"style {raw['id']!r}: style_index {index!r} is outside 0..{count - 1}")
    teacher = raw.get("teacher")
    if teacher is not None and not (isinstance(teacher, dict) and "name" in teacher):
        raise StyleCutError(source, f"style {raw['id']!r}: teacher must be {{name, style}} or null")
    thumb = raw.get("thumbnail")
    known = {"id", "name", "model", "style_index", "style_count", "teacher", "macs_per_pixel",
             "licence", "attribution", "thumbnail"}
    return Style(
        id=str(raw["id"]), name=str(raw["name"]), model=model, style_index=index,
        style_count=count, teacher=teacher, macs_per_pixel=float(raw["macs_per_pixel"]),
        licence=str(raw["licence"]), attribution=str(raw.get("attribution", "")),
        thumbnail=(base / thumb).resolve() if thumb else None, origin=origin,
        extra={k: v for k, v in raw.items() if k not in known},
    )


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StyleCutError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StyleCutError(path, f"cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise StyleCutError(path, f"not valid JSON (line {exc.lineno}: {exc.msg})") from None


def load_catalog(path: Path = CATALOG) -> list[Style]:
    """The shipped styles. Raises StyleCutError naming the file when it is damaged."""
    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("styles"), list):
        raise StyleCutError(path, "expected an object with a 'styles' list")
    styles = [_entry(raw, path.parent, path, "shipped") for raw in data["styles"]]
    ids = [s.id for s in styles]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise StyleCutError(path, f"duplicate style ids: {', '.join(dupes)}")
    return styles


def load_library(folder: Path | None = None) -> tuple[list[Style], list[StyleCutError]]:
    """The user's styles and the problems of any entries that could not be loaded."""
    folder = library_dir() if folder is None else Path(folder)
    styles, problems = [], []
    if not folder.is_dir():
        return styles, problems
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        spec = sub / STYLE_FILE
        if not spec.is_file():
            continue
        try:
            styles.append(_entry(_read_json(spec), sub, spec, "library"))
        except StyleCutError as exc:
            problems.append(exc)
    return styles, problems


def all_styles(catalog: Path = CATALOG, library: Path | None = None) -> tuple[list[Style], list[StyleCutError]]:
    """Shipped styles then library styles; a library style never shadows a shipped id."""
    shipped = load_catalog(catalog)
    user, problems = load_library(library)
    taken = {s.id for s in shipped}
    merged = list(shipped)
    for s in user:
        if s.id in taken:
            problems.append(StyleCutError(s.model.parent / STYLE_FILE,
                                          f"style id {s.id!r} is already used by a shipped style"))
            continue
        taken.add(s.id)
        merged.append(s)
    return merged, problems


def find(style_id: str, catalog: Path = CATALOG, library: Path | None = None) -> Style:
    styles, _ = all_styles(catalog, library)
    for s in styles:
        if s.id == style_id:
            return s
    raise StyleCutError(style_id, f"no such style (known: {', '.join(s.id for s in styles)})")
