"""Which styles exist and what weights a choice of style (and mix) means for its network.

Styles come from `models.catalog`: the shipped catalog plus the user's library (imported
packs and trained styles). Several styles may live in one multi-style network; they are
then positions in its `style_weights` input, so a mix of them is just another weight vector.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editor.errors import PluginError, StyleCutError

# "id:weight, id:weight"; ids as the catalog writes them.
MIX_PATTERN = r"\s*([A-Za-z0-9][A-Za-z0-9_.-]*\s*:\s*[0-9]*\.?[0-9]+\s*(,\s*|$))*"
_MIX_ITEM = re.compile(r"([A-Za-z0-9][A-Za-z0-9_.-]*)\s*:\s*([0-9]*\.?[0-9]+)")


@dataclass(frozen=True)
class Choice:
    """A resolved style choice: the network to run and the style weights to give it."""

    model: Path
    weights: np.ndarray | None     # None for one-style networks
    label: str                     # the style id, or the mix as written

    @property
    def key(self) -> tuple:
        w = None if self.weights is None else tuple(float(x) for x in self.weights)
        return str(self.model), w


_lock = threading.Lock()
_listing: tuple[tuple, list, list] | None = None
_checked_at = 0.0
# Look at the catalog and library folders at most this often (seconds): rendering asks for
# every frame, and a style installed while the editor runs still shows up at once.
RECHECK_SECONDS = 1.0


def _sources_stamp() -> tuple:
    """What the listing depends on: the catalog file and the library folder's contents."""
    from models import catalog

    def stamp(path: Path):
        try:
            return path.stat().st_mtime_ns
        except OSError:
            return None

    lib = catalog.library_dir()
    entries = ()
    if lib.is_dir():
        entries = tuple(sorted((p.name, stamp(p / catalog.STYLE_FILE)) for p in lib.iterdir()))
    return str(catalog.CATALOG), stamp(catalog.CATALOG), str(lib), entries


def available():
    """(styles, problems): shipped styles then library styles. Re-read when either changes."""
    global _listing, _checked_at
    import time

    from models import catalog

    now = time.monotonic()
    with _lock:
        if _listing is not None and now - _checked_at < RECHECK_SECONDS \
                and _listing[0][2] == str(catalog.library_dir()):
            return _listing[1], _listing[2]
    stamp = _sources_stamp()
    with _lock:
        _checked_at = now
        if _listing is not None and _listing[0] == stamp:
            return _listing[1], _listing[2]
    problems: list[StyleCutError] = []
    if catalog.CATALOG.is_file():
        try:
            shipped = catalog.load_catalog()
        except StyleCutError as exc:
            shipped, problems = [], [exc]
    else:
        shipped = []
    user, lib_problems = catalog.load_library()
    problems += lib_problems
    taken = {s.id for s in shipped}
    styles = list(shipped) + [s for s in user if s.id not in taken]
    with _lock:
        _listing = (stamp, styles, problems)
    return styles, problems


def refresh() -> None:
    """Look at the catalog and library again on the next request (after an import)."""
    global _checked_at
    with _lock:
        _checked_at = 0.0


def ids() -> list[str]:
    return [s.id for s in available()[0]]


def find(style_id: str):
    styles, problems = available()
    if not styles:
        detail = f" ({problems[0]})" if problems else ""
        raise PluginError(style_id or "style", f"no styles are installed{detail}")
    if not style_id:
        return styles[0]
    for s in styles:
        if s.id == style_id:
            return s
    for problem in problems:  # the style exists but its entry is broken (say, its network is gone)
        if f"'{style_id}'" in problem.problem:
            raise PluginError(problem.path, problem.problem)
    raise PluginError(style_id, f"unknown style (valid ids: {', '.join(s.id for s in styles)})")


def parse_mix(text: str) -> list[tuple[str, float]]:
    items = [(m.group(1), float(m.group(2))) for m in _MIX_ITEM.finditer(text or "")]
    return [(i, w) for i, w in items if w > 0]


def resolve(style_id: str, mix: str = "") -> Choice:
    """The network and weights for `style_id`, or for `mix` ("id:w, id:w") when given.

    Mixed styles must share one multi-style network; weights are normalised to sum to 1.
    """
    items = parse_mix(mix)
    if not items:
        style = find(style_id)
        _check_model(style)
        return Choice(style.model, style.weights(), style.id)
    chosen = [(find(i), w) for i, w in items]
    first = chosen[0][0]
    for style, _ in chosen:
        if style.style_index is None or style.style_count == 0:
            raise PluginError(style.id, "is a one-style network and cannot be mixed")
        if style.model != first.model:
            raise PluginError(mix, f"styles {first.id} and {style.id} live in different networks; "
                                   "only styles of one network can be mixed")
    _check_model(first)
    weights = np.zeros(first.style_count, np.float32)
    for style, w in chosen:
        weights[style.style_index] += w
    weights /= weights.sum()
    return Choice(first.model, weights, ", ".join(f"{s.id}:{w:g}" for s, w in chosen))


def _check_model(style) -> None:
    path = Path(style.model)
    if not path.is_file():
        raise PluginError(path, f"the network of style {style.id} is missing")
    if not os.access(path, os.R_OK):
        raise PluginError(path, f"the network of style {style.id} cannot be read")
