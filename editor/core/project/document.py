"""The project document: JSON with a schema version, atomic save, validating load.

In JSON, times are `"num/den"` strings (exact), media paths are relative to the project
file when possible, and every problem found on load is reported as a `ProjectError` naming
the file and the JSON path of the bad value (for example `tracks[1].clips[0].source_in`).
Missing media is not an error: `offline_clips` lists those clips so the editor can show them.
"""

from __future__ import annotations

import json
import numbers
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from editor.errors import ProjectError

from .model import (
    INTERPOLATIONS,
    TRACK_KINDS,
    Clip,
    Effect,
    Keyframe,
    Project,
    Settings,
    Track,
)

SCHEMA_VERSION = 1
FORMAT_NAME = "stylecut-project"
# The suffix the editor proposes for new projects.
PROJECT_SUFFIX = ".stylecut.json"


# ---------------------------------------------------------------- writing

def fraction_to_json(value: Fraction) -> str:
    value = Fraction(value)
    return f"{value.numerator}/{value.denominator}"


def _value_to_json(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_value_to_json(v) for v in value]
    if isinstance(value, (bool, str)) or value is None:
        return value
    # numpy scalars and Fractions arrive from sliders and arithmetic: store plain numbers.
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if hasattr(value, "item"):  # numpy bool
        return value.item()
    return value


def _media_to_json(media: str, base_dir: str | None) -> str:
    if base_dir is None:
        return media
    try:
        return Path(os.path.relpath(media, base_dir)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return media


def to_json_dict(project: Project, base_dir: str | os.PathLike | None = None) -> dict:
    """The document as plain JSON data; media relative to `base_dir` when given."""
    base = None if base_dir is None else os.fspath(base_dir)
    s = project.settings
    return {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "name": project.name,
        "settings": {
            "width": s.width,
            "height": s.height,
            "fps": fraction_to_json(s.fps),
            "sample_rate": s.sample_rate,
            "channels": s.channels,
        },
        "tracks": [
            {
                "id": track.id,
                "kind": track.kind,
                "muted": track.muted,
                "hidden": track.hidden,
                "clips": [_clip_to_json(clip, base) for clip in track.clips],
            }
            for track in project.tracks
        ],
    }


def _clip_to_json(clip: Clip, base: str | None) -> dict:
    data = {
        "id": clip.id,
        "name": clip.name,
        "media": _media_to_json(clip.media, base),
        "source_in": fraction_to_json(clip.source_in),
        "source_out": fraction_to_json(clip.source_out),
        "start": fraction_to_json(clip.start),
        "effects": [
            {
                "id": effect.id,
                "plugin_id": effect.plugin_id,
                "enabled": effect.enabled,
                "params": {k: _value_to_json(v) for k, v in effect.params.items()},
                "keyframes": {
                    name: [
                        {
                            "time": fraction_to_json(kf.time),
                            "value": _value_to_json(kf.value),
                            "interpolation": kf.interpolation,
                        }
                        for kf in kfs
                    ]
                    for name, kfs in effect.keyframes.items()
                },
            }
            for effect in clip.effects
        ],
    }
    if clip.media_duration is not None:
        data["media_duration"] = fraction_to_json(clip.media_duration)
    return data


def dumps(project: Project, base_dir: str | os.PathLike | None = None) -> str:
    """The document text. Stable (sorted keys) so equal projects give equal text."""
    return json.dumps(to_json_dict(project, base_dir), indent=2, sort_keys=True, allow_nan=False) + "\n"


def save(project: Project, path: str | os.PathLike) -> None:
    """Write the project atomically: a failed save leaves any existing file untouched.

    The text is produced before the disk is touched, written to a temporary file in the
    same folder, flushed to disk, renamed over the target, and the folder entry is synced.
    """
    path = Path(path).absolute()
    try:
        text = dumps(project, path.parent)
    except (TypeError, ValueError) as exc:
        raise ProjectError(path, f"cannot be saved: the project holds a value JSON cannot store ({exc})") from exc
    if not path.parent.is_dir():
        raise ProjectError(path, f"cannot be saved: folder {path.parent} does not exist")
    if path.is_dir():
        raise ProjectError(path, "cannot be saved: a folder has this name")
    if path.exists() and not os.access(path, os.W_OK):
        # Replacing would succeed (the folder is writable) but the user protected the file.
        raise ProjectError(path, "cannot be saved: the file is read-only")
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            # Keep the permissions the user gave the existing file.
            os.chmod(tmp_name, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp_name, 0o666 & ~_umask())
        os.replace(tmp_name, path)
        tmp_name = None
        _fsync_dir(path.parent)
    except OSError as exc:
        raise ProjectError(path, f"cannot be saved: {exc.strerror or exc}") from exc
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open folders; the rename is still done
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------- reading

class _Reader:
    """Validates JSON data into the model, naming the JSON path of the first bad value."""

    def __init__(self, file: str | None, base_dir: str | None):
        self.file = file
        self.base_dir = base_dir

    def fail(self, where: str, problem: str) -> ProjectError:
        return ProjectError(self.file, f"{where}: {problem}" if where else problem)

    def obj(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, found {_kind(value)}")
        return value

    def field(self, data: dict, key: str, where: str, default: Any = ..., ) -> Any:
        if key in data:
            return data[key]
        if default is ...:
            raise self.fail(_join(where, key), "missing")
        return default

    def string(self, data: dict, key: str, where: str, default: Any = ...) -> str:
        value = self.field(data, key, where, default)
        if not isinstance(value, str):
            raise self.fail(_join(where, key), f"expected a string, found {_kind(value)}")
        return value

    def boolean(self, data: dict, key: str, where: str, default: Any = ...) -> bool:
        value = self.field(data, key, where, default)
        if not isinstance(value, bool):
            raise self.fail(_join(where, key), f"expected true or false, found {_kind(value)}")
        return value

    def integer(self, data: dict, key: str, where: str, low: int, high: int, default: Any = ...) -> int:
        value = self.field(data, key, where, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(_join(where, key), f"expected a whole number, found {_kind(value)}")
        if not low <= value <= high:
            raise self.fail(_join(where, key), f"{value} is outside {low}..{high}")
        return value

    def time(self, data: dict, key: str, where: str, default: Any = ..., minimum: Fraction | None = Fraction(0)) -> Fraction:
        value = self.field(data, key, where, default)
        path = _join(where, key)
        result = parse_fraction(value)
        if result is None:
            raise self.fail(path, f"expected a time such as \"1001/30000\", found {json.dumps(value)}")
        if minimum is not None and result < minimum:
            raise self.fail(path, f"{value} is below {minimum}")
        return result

    def value(self, value: Any, where: str) -> Any:
        """A parameter value: JSON scalars; lists become tuples (colours)."""
        if value is None or isinstance(value, (bool, int, float, str)):
            if isinstance(value, float) and value != value:
                raise self.fail(where, "NaN is not a value")
            return value
        if isinstance(value, list) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
        ):
            return tuple(value)
        raise self.fail(where, f"expected a number, true/false, a string or a list of numbers, found {_kind(value)}")

    # ---- model parts

    def project(self, data: Any) -> Project:
        data = self.obj(data, "")
        fmt = data.get("format", FORMAT_NAME)
        if fmt != FORMAT_NAME:
            raise self.fail("format", f"this is not a StyleCut project (format {json.dumps(fmt)})")
        if "schema_version" not in data:
            raise self.fail("schema_version", "missing: this is not a StyleCut project")
        version = data["schema_version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise self.fail("schema_version", f"expected a positive whole number, found {json.dumps(version)}")
        if version > SCHEMA_VERSION:
            raise self.fail(
                "schema_version",
                f"the project was saved by a newer StyleCut (schema version {version}; "
                f"this version reads up to {SCHEMA_VERSION}); update StyleCut to open it",
            )
        name = self.string(data, "name", "", default="Untitled")
        settings = self.settings(self.obj(self.field(data, "settings", ""), "settings"))
        tracks_data = self.field(data, "tracks", "")
        if not isinstance(tracks_data, list):
            raise self.fail("tracks", f"expected a list, found {_kind(tracks_data)}")
        tracks = [self.track(t, f"tracks[{i}]") for i, t in enumerate(tracks_data)]
        self.unique_ids(tracks)
        return Project(settings=settings, tracks=tracks, name=name)

    def settings(self, data: dict) -> Settings:
        w = "settings"
        fps = self.time(data, "fps", w)
        if fps <= 0:
            raise self.fail("settings.fps", "the frame rate must be above zero")
        if fps > 1000:
            raise self.fail("settings.fps", f"{fps} frames per second is not a video frame rate")
        return Settings(
            width=self.integer(data, "width", w, 2, 16384),
            height=self.integer(data, "height", w, 2, 16384),
            fps=fps,
            sample_rate=self.integer(data, "sample_rate", w, 8000, 384000, default=48000),
            channels=self.integer(data, "channels", w, 1, 8, default=2),
        )

    def track(self, data: Any, where: str) -> Track:
        data = self.obj(data, where)
        kind = self.string(data, "kind", where)
        if kind not in TRACK_KINDS:
            raise self.fail(_join(where, "kind"), f"expected one of {', '.join(TRACK_KINDS)}, found {json.dumps(kind)}")
        clips_data = self.field(data, "clips", where, default=[])
        if not isinstance(clips_data, list):
            raise self.fail(_join(where, "clips"), f"expected a list, found {_kind(clips_data)}")
        clips = [self.clip(c, f"{where}.clips[{i}]") for i, c in enumerate(clips_data)]
        order = sorted(range(len(clips)), key=lambda i: clips[i].start)
        for a, b in zip(order, order[1:]):
            if clips[b].start < clips[a].end:
                raise self.fail(
                    f"{where}.clips[{b}].start",
                    f"clip {clips[b].id!r} overlaps clip {clips[a].id!r} "
                    f"(starts at {float(clips[b].start):.3f}s, before {float(clips[a].end):.3f}s)",
                )
        return Track(
            id=self.string(data, "id", where),
            kind=kind,
            clips=[clips[i] for i in order],
            muted=self.boolean(data, "muted", where, default=False),
            hidden=self.boolean(data, "hidden", where, default=False),
        )

    def clip(self, data: Any, where: str) -> Clip:
        data = self.obj(data, where)
        media = self.string(data, "media", where)
        if not media:
            raise self.fail(_join(where, "media"), "empty media path")
        source_in = self.time(data, "source_in", where)
        source_out = self.time(data, "source_out", where)
        if source_out <= source_in:
            raise self.fail(_join(where, "source_out"), f"{source_out} is not after source_in {source_in}")
        media_duration = None
        if "media_duration" in data:
            media_duration = self.time(data, "media_duration", where)
        effects_data = self.field(data, "effects", where, default=[])
        if not isinstance(effects_data, list):
            raise self.fail(_join(where, "effects"), f"expected a list, found {_kind(effects_data)}")
        effects = [self.effect(e, f"{where}.effects[{i}]") for i, e in enumerate(effects_data)]
        return Clip(
            id=self.string(data, "id", where),
            media=self.media_path(media),
            source_in=source_in,
            source_out=source_out,
            start=self.time(data, "start", where),
            effects=effects,
            name=self.string(data, "name", where, default=""),
            media_duration=media_duration,
        )

    def media_path(self, media: str) -> str:
        path = Path(media).expanduser()
        if not path.is_absolute() and self.base_dir is not None:
            path = Path(self.base_dir) / path
        return os.path.normpath(path.absolute())

    def effect(self, data: Any, where: str) -> Effect:
        data = self.obj(data, where)
        params_data = self.obj(self.field(data, "params", where, default={}), _join(where, "params"))
        params = {k: self.value(v, f"{where}.params.{k}") for k, v in params_data.items()}
        kf_data = self.obj(self.field(data, "keyframes", where, default={}), _join(where, "keyframes"))
        keyframes = {}
        for name, kfs in kf_data.items():
            kw = f"{where}.keyframes.{name}"
            if not isinstance(kfs, list):
                raise self.fail(kw, f"expected a list, found {_kind(kfs)}")
            items = [self.keyframe(k, f"{kw}[{i}]") for i, k in enumerate(kfs)]
            for i in range(1, len(items)):
                if items[i].time <= items[i - 1].time:
                    raise self.fail(f"{kw}[{i}].time", "keyframes must be in increasing time order, without repeats")
            keyframes[name] = items
        return Effect(
            id=self.string(data, "id", where),
            plugin_id=self.string(data, "plugin_id", where),
            params=params,
            keyframes=keyframes,
            enabled=self.boolean(data, "enabled", where, default=True),
        )

    def keyframe(self, data: Any, where: str) -> Keyframe:
        data = self.obj(data, where)
        interpolation = self.string(data, "interpolation", where, default="linear")
        if interpolation not in INTERPOLATIONS:
            raise self.fail(
                _join(where, "interpolation"),
                f"expected one of {', '.join(INTERPOLATIONS)}, found {json.dumps(interpolation)}",
            )
        return Keyframe(
            time=self.time(data, "time", where, minimum=None),
            value=self.value(self.field(data, "value", where), _join(where, "value")),
            interpolation=interpolation,
        )

    def unique_ids(self, tracks: list[Track]) -> None:
        seen: dict[str, str] = {}
        for ti, track in enumerate(tracks):
            self._claim(seen, track.id, f"tracks[{ti}].id")
            for ci, clip in enumerate(track.clips):
                self._claim(seen, clip.id, f"tracks[{ti}].clips[{ci}].id")
                effect_ids: set[str] = set()
                for ei, effect in enumerate(clip.effects):
                    if effect.id in effect_ids:
                        raise self.fail(
                            f"tracks[{ti}].clips[{ci}].effects[{ei}].id", f"effect id {effect.id!r} is used twice in the clip"
                        )
                    effect_ids.add(effect.id)

    def _claim(self, seen: dict[str, str], ident: str, where: str) -> None:
        if not ident:
            raise self.fail(where, "empty id")
        if ident in seen:
            raise self.fail(where, f"id {ident!r} is already used at {seen[ident]}")
        seen[ident] = where


def parse_fraction(value: Any) -> Fraction | None:
    """A time from JSON: "num/den" or "n" strings, integers, or finite floats; None if invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Fraction(repr(value))
    if isinstance(value, str):
        try:
            result = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            return None
        return result
    return None


def from_json_dict(data: Any, file: str | os.PathLike | None = None, base_dir: str | os.PathLike | None = None) -> Project:
    """Validate JSON data into a Project; relative media resolve against `base_dir`."""
    reader = _Reader(
        None if file is None else os.fspath(file),
        None if base_dir is None else os.fspath(base_dir),
    )
    return reader.project(data)


def loads(text: str, file: str | os.PathLike | None = None, base_dir: str | os.PathLike | None = None) -> Project:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectError(
            None if file is None else os.fspath(file),
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
        ) from exc
    return from_json_dict(data, file, base_dir)


def load(path: str | os.PathLike) -> Project:
    """Read and validate a project file. Missing media is allowed (see `offline_clips`)."""
    path = Path(path).absolute()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectError(path, "no such project file") from None
    except IsADirectoryError:
        raise ProjectError(path, "is a folder, not a project file") from None
    except OSError as exc:
        raise ProjectError(path, f"cannot be read: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise ProjectError(path, "the project file is empty")
    try:
        text = raw.decode("utf-8-sig")  # editors on Windows may add a byte-order mark
    except UnicodeDecodeError:
        raise ProjectError(path, "not a project file (not UTF-8 text)") from None
    return loads(text, path, path.parent)


@dataclass(frozen=True)
class OfflineClip:
    track_id: str
    clip_id: str
    media: str
    reason: str

    def __str__(self) -> str:
        return f"{self.media}: {self.reason} (clip {self.clip_id} on track {self.track_id})"


def offline_clips(project: Project) -> list[OfflineClip]:
    """Clips whose media file is missing or unreadable, in track then time order."""
    result = []
    for track, clip in project.clips():
        reason = _media_problem(clip.media)
        if reason:
            result.append(OfflineClip(track.id, clip.id, clip.media, reason))
    return result


def _media_problem(media: str) -> str | None:
    if not os.path.exists(media):
        return "media file is missing"
    if not os.path.isfile(media):
        return "media path is not a file"
    if not os.access(media, os.R_OK):
        return "media file cannot be read (permission denied)"
    return None


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {json.dumps(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
